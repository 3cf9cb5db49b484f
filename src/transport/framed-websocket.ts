// RFC 7395 §3.5 (stream errors) over RFC 6455 §7.4.1 (1009, message too big): ws refuses a frame
// larger than maxPayload as soon as its header is read, without buffering it, and closes at once.
// This subclass (ws's documented `WebSocket` server option) lets the transport send its stream error
// and <close/> before that close frame, so the peer learns why.
import { WebSocket } from "ws";

const MESSAGE_TOO_BIG = 1009;

export class FramedWebSocket extends WebSocket {
  /** Called once, just before ws closes the connection over a message larger than maxPayload. */
  onPayloadTooLarge: (() => void) | undefined;

  /** Closes for the transport's own reasons (the hook is only for ws's). */
  closeQuietly(code: number): void {
    this.onPayloadTooLarge = undefined;
    super.close(code);
  }

  override close(code?: number, data?: string | Buffer): void {
    const hook = this.onPayloadTooLarge;
    // A peer's own close frame with 1009 also ends up here; ws marks it received first.
    const peerClosed = (this as unknown as { _closeFrameReceived?: boolean })._closeFrameReceived === true;
    if (code === MESSAGE_TOO_BIG && hook !== undefined && this.readyState === WebSocket.OPEN && !peerClosed) {
      this.onPayloadTooLarge = undefined;
      hook();
    }
    super.close(code, data);
  }
}
