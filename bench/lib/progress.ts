// Progress on stderr while a run goes on: one rewritten status line on a terminal, plain lines
// otherwise (CI logs), so stdout stays for the results table alone.
export class Progress {
  readonly #tty = process.stderr.isTTY === true;
  #status = false;

  /** A new phase: always its own line. */
  phase(text: string): void {
    this.#clear();
    process.stderr.write(`[bench] ${text}\n`);
  }

  /** A transient status (counters while a load runs): only shown on a terminal. */
  status(text: string): void {
    if (!this.#tty) return;
    process.stderr.write(`\r\x1b[2K  ${text}`);
    this.#status = true;
  }

  #clear(): void {
    if (this.#status) process.stderr.write("\r\x1b[2K");
    this.#status = false;
  }

  done(): void {
    this.#clear();
  }
}
