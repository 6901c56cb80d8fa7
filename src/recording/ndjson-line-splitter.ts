// Splits a byte stream into numbered NDJSON lines without ever holding more
// than `maxLineBytes` of one line: an oversized or non-UTF-8 line becomes a
// problem entry (with its 1-based number) and the stream carries on after it.

export type SplitLine =
  | { readonly lineNumber: number; readonly text: string }
  | { readonly lineNumber: number; readonly problem: string };

const NEWLINE = 0x0a;

export async function* splitNdjsonLines(
  chunks: AsyncIterable<Uint8Array>,
  maxLineBytes: number,
): AsyncGenerator<SplitLine> {
  // fatal: binary junk must surface as a problem, not as U+FFFD that JSON.parse accepts.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Uint8Array[] = [];
  let partBytes = 0;
  let oversized = false;
  let lineNumber = 1;

  const finish = (tail: Uint8Array): SplitLine => {
    let line: SplitLine;
    if (oversized || partBytes + tail.length > maxLineBytes) {
      line = { lineNumber, problem: `line is longer than ${maxLineBytes} bytes` };
    } else {
      const bytes = parts.length === 0 ? tail : Buffer.concat([...parts, tail]);
      try {
        let text = decoder.decode(bytes);
        if (text.endsWith('\r')) text = text.slice(0, -1);
        line = { lineNumber, text };
      } catch {
        line = { lineNumber, problem: 'line is not valid UTF-8 (binary data?)' };
      }
    }
    parts = [];
    partBytes = 0;
    oversized = false;
    lineNumber += 1;
    return line;
  };

  for await (const chunk of chunks) {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) {
        const rest = chunk.subarray(start);
        if (!oversized && partBytes + rest.length > maxLineBytes) {
          oversized = true;
          parts = [];
        }
        if (!oversized && rest.length > 0) parts.push(rest);
        partBytes += rest.length;
        break;
      }
      yield finish(chunk.subarray(start, end));
      start = end + 1;
    }
  }
  if (partBytes > 0 || oversized) yield finish(new Uint8Array(0));
}
