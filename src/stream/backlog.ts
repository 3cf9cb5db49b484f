// RFC 6120 §13.12 (denial of service): a session's queue of received elements not yet processed is
// bounded. Past the bound the transport stops reading, so a client that sends faster than its
// stanzas are handled (a slow auth API, say) meets TCP backpressure instead of growing our heap.

/** What the backlog needs from the transport. */
export interface Pausable {
  pause(): void;
  resume(): void;
}

/** Elements queued before reading stops; reading resumes at half of either bound. */
export const MAX_PENDING_STANZAS = 32;

/**
 * Counts the elements received and not yet processed, in number and in input bytes. Reading stops
 * once either bound is reached; what was already read (one socket read, 64 KiB at most, or one
 * WebSocket message) is still parsed and queued, so the backlog exceeds the bound by that at most.
 */
export class Backlog {
  stanzas = 0;
  bytes = 0;
  private paused = false;

  constructor(
    private readonly transport: Pausable,
    private readonly maxBytes: number,
  ) {}

  add(bytes: number): void {
    this.stanzas++;
    this.bytes += bytes;
    if (!this.paused && (this.stanzas >= MAX_PENDING_STANZAS || this.bytes >= this.maxBytes)) {
      this.paused = true;
      this.transport.pause();
    }
  }

  settle(bytes: number): void {
    this.stanzas--;
    this.bytes -= bytes;
    if (this.paused && this.stanzas <= MAX_PENDING_STANZAS / 2 && this.bytes <= this.maxBytes / 2) {
      this.paused = false;
      this.transport.resume();
    }
  }
}
