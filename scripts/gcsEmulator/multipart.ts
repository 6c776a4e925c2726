import { badRequest } from "./errors";

export interface Part {
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * The parts of a `multipart/related` body (RFC 2046), as the Go client writes an
 * `uploadType=multipart` insert: the object's JSON metadata, then its bytes.
 */
export function parseMultipart(contentType: string | undefined, body: Buffer): Part[] {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType ?? "")?.[1];
  if (!/^multipart\/related/i.test(contentType ?? "") || boundary === undefined) {
    throw badRequest(`Expected a multipart/related body with a boundary, got Content-Type ${contentType ?? "none"}`);
  }
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const afterDelimiter = at + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === "--") {
      return parts;
    }
    const headersStart = skipLineBreak(body, afterDelimiter);
    // A part without headers (Go's CreatePart with none) starts its content after one more CRLF.
    const noHeaders = body.subarray(headersStart, headersStart + 2).toString() === "\r\n";
    const headersEnd = noHeaders ? headersStart : body.indexOf("\r\n\r\n", headersStart);
    const contentStart = noHeaders ? headersStart + 2 : headersEnd + 4;
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headersStart);
    if (headersEnd < 0 || next < 0 || contentStart > next) {
      break;
    }
    const headers = parseHeaders(body.subarray(headersStart, headersEnd).toString("utf8"));
    parts.push({ headers, body: body.subarray(contentStart, next) });
    at = next + 2;
  }
  throw badRequest("Malformed multipart body: no closing boundary");
}

function skipLineBreak(body: Buffer, at: number): number {
  return body.subarray(at, at + 2).toString() === "\r\n" ? at + 2 : at;
}

function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  return headers;
}
