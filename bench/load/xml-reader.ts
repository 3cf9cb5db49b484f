// Reads an XMPP stream as text and waits for the element a step needs, by scanning what has arrived
// so far. Deliberately not a parser: the load generator only needs to know that e.g. `</stream:features>`
// or `<success` has come, whatever way TCP split the bytes. Consumed text is dropped, so a later
// wait never matches an earlier element.
import type { Socket } from "node:net";
import { StringDecoder } from "node:string_decoder";

const MAX_BUFFER = 1 << 20; // a login exchange is a few KiB; more means something is wrong

export class XmlReader {
  #text = "";
  #closed: Error | undefined;
  #wake: (() => void) | undefined;
  readonly #decoder = new StringDecoder("utf8");

  constructor(socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      // StringDecoder keeps a UTF-8 sequence split across reads whole.
      this.#text += this.#decoder.write(chunk);
      if (this.#text.length > MAX_BUFFER) this.#fail(new Error("stream buffer overflow"));
      this.#wake?.();
    });
    socket.once("close", () => this.#fail(new Error("connection closed")));
    socket.once("error", (err) => this.#fail(err));
  }

  #fail(err: Error): void {
    this.#closed ??= err;
    this.#wake?.();
  }

  /**
   * Resolves with the text up to and including the first match of `re`, and drops it from the
   * buffer. Rejects when the connection closes first or after `timeoutMs`.
   */
  async waitFor(re: RegExp, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.#text);
      if (m !== null) {
        const end = m.index + m[0].length;
        const upTo = this.#text.slice(0, end);
        this.#text = this.#text.slice(end);
        return upTo;
      }
      if (this.#closed !== undefined)
        throw new StepError("closed", `${this.#closed.message} while waiting for ${re}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new StepError("timeout", `no ${re} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}

/** A failed login step, with a short kind for the error counts in the results. */
export class StepError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}
