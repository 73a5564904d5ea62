/** An undecodable OTLP body (HTTP 400 / gRPC INVALID_ARGUMENT); the message says what and where, for the client. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}
