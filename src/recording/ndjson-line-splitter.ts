// Splits a byte stream into numbered NDJSON lines without ever holding more
// than `maxLineBytes` of one line: an oversized or non-UTF-8 line becomes a
// problem entry (with its 1-based number) and the stream carries on after it.
// An oversized line is reported as soon as it crosses the limit, not at its
// newline: a consumer that stops there never reads the rest (a 2 GB line of
// zeros is refused after 1 MiB, not after 2 GB).

export type SplitLine =
  | { readonly lineNumber: number; readonly text: string }
  | { readonly lineNumber: number; readonly problem: string };

const NEWLINE = 0x0a;

export function tooLongProblem(maxLineBytes: number): string {
  return `line is longer than ${maxLineBytes} bytes`;
}

export async function* splitNdjsonLines(
  chunks: AsyncIterable<Uint8Array>,
  maxLineBytes: number,
): AsyncGenerator<SplitLine> {
  // fatal: binary junk must surface as a problem, not as U+FFFD that JSON.parse accepts.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Uint8Array[] = [];
  let partBytes = 0;
  // Inside a line already reported as too long: its bytes are dropped up to its newline.
  let skipping = false;
  let lineNumber = 1;

  const finish = (tail: Uint8Array): SplitLine => {
    let line: SplitLine;
    if (partBytes + tail.length > maxLineBytes) {
      line = { lineNumber, problem: tooLongProblem(maxLineBytes) };
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
    lineNumber += 1;
    return line;
  };

  for await (const chunk of chunks) {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (skipping) {
        if (end === -1) break;
        skipping = false;
        lineNumber += 1;
        start = end + 1;
        continue;
      }
      if (end === -1) {
        const rest = chunk.subarray(start);
        if (partBytes + rest.length > maxLineBytes) {
          yield { lineNumber, problem: tooLongProblem(maxLineBytes) };
          parts = [];
          partBytes = 0;
          skipping = true;
        } else if (rest.length > 0) {
          parts.push(rest);
          partBytes += rest.length;
        }
        break;
      }
      yield finish(chunk.subarray(start, end));
      start = end + 1;
    }
  }
  if (!skipping && partBytes > 0) yield finish(new Uint8Array(0));
}
