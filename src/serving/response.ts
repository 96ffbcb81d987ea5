/** JSON responses built whole, with their Content-Length, so no layer has to buffer them again to measure them. */
const encoder = new TextEncoder();

export function jsonResponse(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const bytes = encoder.encode(JSON.stringify(value));
  return new Response(bytes, {
    status,
    headers: { 'content-type': 'application/json', 'content-length': String(bytes.byteLength), ...headers },
  });
}
