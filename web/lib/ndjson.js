// An incremental NDJSON reader: feed it text as it arrives, get back the complete
// lines parsed; a partial line waits for the rest. Pure (no DOM), tested under node.

export class NdjsonError extends Error {
  constructor(line, cause) {
    super(`not a JSON line: ${line.length > 80 ? `${line.slice(0, 80)}…` : line}`);
    this.name = 'NdjsonError';
    this.line = line;
    this.cause = cause;
  }
}

/**
 * createReader() -> {push(text) -> object[], end() -> object[]}.
 * Blank lines and "\r\n" endings are accepted; a line that is not JSON throws
 * NdjsonError (the lines before it in the same chunk are lost with it, so callers
 * treat it as the end of the stream).
 */
export function createReader() {
  let buffer = '';
  function parseLine(raw) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return undefined;
    try {
      return JSON.parse(line);
    } catch (err) {
      throw new NdjsonError(line, err);
    }
  }
  return {
    push(text) {
      buffer += text;
      const out = [];
      let nl = buffer.indexOf('\n');
      while (nl !== -1) {
        const value = parseLine(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        if (value !== undefined) out.push(value);
        nl = buffer.indexOf('\n');
      }
      return out;
    },
    end() {
      const rest = buffer;
      buffer = '';
      const value = parseLine(rest);
      return value === undefined ? [] : [value];
    },
    /** Characters held back waiting for their newline. */
    pending() {
      return buffer.length;
    },
  };
}

/**
 * Reads a byte stream (a fetch Response body) as NDJSON: yields each object as soon
 * as its line is complete. Multi-byte characters split across chunks are decoded
 * correctly (TextDecoder in stream mode).
 */
export async function* readStream(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const lines = createReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const obj of lines.push(decoder.decode(value, { stream: true }))) yield obj;
    }
    for (const obj of lines.push(decoder.decode())) yield obj;
    for (const obj of lines.end()) yield obj;
  } finally {
    reader.releaseLock();
  }
}
