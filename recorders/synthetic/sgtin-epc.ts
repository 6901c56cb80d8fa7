// SGTIN-96 EPCs (the tag encoding on retail apparel) as 24 hex digits, built
// from a GS1 company prefix, an item reference and a serial number, so every
// generated unit has a unique, well-formed tag id.

// Header 0x30 = SGTIN-96; filter 1 = point-of-sale item; partition 5 = 7-digit
// company prefix (24 bits) and 6-digit item reference (20 bits); 38-bit serial.
const HEADER = 0x30n;
const FILTER = 1n;
const PARTITION = 5n;
const MAX_ITEM_REFERENCE = 2 ** 20 - 1;
const MAX_SERIAL = 2 ** 38 - 1;

export function encodeSgtin96(companyPrefix: number, itemReference: number, serial: number): string {
  if (itemReference < 0 || itemReference > MAX_ITEM_REFERENCE)
    throw new RangeError('item reference out of range');
  if (serial < 0 || serial > MAX_SERIAL) throw new RangeError('serial out of range');
  const value =
    (HEADER << 88n) |
    (FILTER << 85n) |
    (PARTITION << 82n) |
    (BigInt(companyPrefix) << 58n) |
    (BigInt(itemReference) << 38n) |
    BigInt(serial);
  return value.toString(16).toUpperCase().padStart(24, '0');
}

export function decodeSgtin96(hex: string): { companyPrefix: number; itemReference: number; serial: number } {
  const value = BigInt(`0x${hex}`);
  return {
    companyPrefix: Number((value >> 58n) & 0xffffffn),
    itemReference: Number((value >> 38n) & 0xfffffn),
    serial: Number(value & 0x3fffffffffn),
  };
}
