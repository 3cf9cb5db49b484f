// Passwords for CLI commands come from a no-echo terminal prompt or from stdin
// (`--password-stdin`), never from argv, where `ps` and shell history would show them.
import type { ReadStream } from "node:tty";
import { XhaError } from "../errors.ts";

const MAX_PASSWORD_BYTES = 4096;

/** All of stdin, minus one trailing newline (what `echo` or a here-string adds). */
export async function readPasswordFromStream(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    size += buf.length;
    if (size > MAX_PASSWORD_BYTES) throw new XhaError("XHA_USAGE", "password on stdin is too long");
    chunks.push(buf);
  }
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

export function isTty(stream: NodeJS.ReadableStream): stream is ReadStream {
  return (
    (stream as Partial<ReadStream>).isTTY === true && typeof (stream as ReadStream).setRawMode === "function"
  );
}

/** Prompts on `out` and reads one line from the terminal with echo off. */
export function promptPassword(tty: ReadStream, out: NodeJS.WritableStream, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed = "";
    const done = (err?: Error): void => {
      tty.off("data", onData);
      tty.setRawMode(false);
      tty.pause();
      out.write("\n");
      if (err === undefined) resolve(typed);
      else reject(err);
    };
    const onData = (data: Buffer | string): void => {
      for (const ch of data.toString()) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003" || ch === "\u0004")
          return done(new XhaError("XHA_USAGE", "password prompt cancelled"));
        if (ch === "\u007f" || ch === "\b") typed = [...typed].slice(0, -1).join("");
        else typed += ch;
      }
    };
    out.write(prompt);
    tty.setRawMode(true);
    tty.setEncoding("utf8");
    tty.on("data", onData);
    tty.resume();
  });
}
