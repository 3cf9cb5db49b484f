// What a command gets from the outside world, passed in so commands are testable without a process.
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); long-running commands await it. */
  readonly stopSignal: Promise<void>;
  /** Registers a listener for reload requests (SIGHUP); absent where there is no such signal. */
  readonly onReload?: (listener: () => void) => void;
}

export type Command = (args: string[], io: CliIo) => Promise<number>;
