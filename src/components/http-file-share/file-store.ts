// The uploaded files of one service, under data_path/http_file_share/<service>/ (a directory we
// create is 0700, a file 0600), named by slot id. A PUT is written to "<id>.part" and renamed when
// its last byte is in, so a download never sees half a file. In a cluster, data_path must be shared.
import { createReadStream, createWriteStream, mkdirSync } from "node:fs";
import { rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export type WriteOutcome = "ok" | "too-large" | "too-short";

/** Thrown through the pipeline to stop a body that grows past its declared size. */
class TooLarge extends Error {}

export class FileStore {
  readonly dir: string;

  constructor(dataPath: string, service: string) {
    this.dir = join(dataPath, "http_file_share", service);
  }

  /** Creates the directories (0700); called once at start. */
  prepare(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  path(id: string): string {
    return join(this.dir, id);
  }

  /**
   * Writes exactly `size` bytes from `body`; more or fewer leaves nothing behind. A failing body
   * (a client that goes away) rejects, also leaving nothing.
   */
  async write(id: string, body: Readable, size: number): Promise<WriteOutcome> {
    const part = `${this.path(id)}.part`;
    let seen = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        seen += chunk.length;
        cb(seen > size ? new TooLarge() : null, chunk);
      },
    });
    try {
      await pipeline(body, count, createWriteStream(part, { mode: 0o600 }));
    } catch (err) {
      await unlink(part).catch(() => {});
      if (err instanceof TooLarge) return "too-large";
      throw err;
    }
    if (seen !== size) {
      await unlink(part).catch(() => {});
      return "too-short";
    }
    await rename(part, this.path(id));
    return "ok";
  }

  /** The file's size and modification time, or undefined when it is not (yet) there. */
  async stat(id: string): Promise<{ size: number; mtime: Date } | undefined> {
    try {
      const s = await stat(this.path(id));
      return { size: s.size, mtime: s.mtime };
    } catch {
      return undefined;
    }
  }

  read(id: string, start: number, end: number): Readable {
    return createReadStream(this.path(id), { start, end });
  }

  /** Deletes the file and any partial upload; a missing one is not an error. */
  async remove(id: string): Promise<void> {
    for (const p of [this.path(id), `${this.path(id)}.part`])
      await unlink(p).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOENT") throw err;
      });
  }
}
