// What every stack builder shares (testcontainers-node's builder → Started):
// where the stack lives, how it is registered for the sweep of abandoned
// stacks, its environment and its logger. LocalStack and ProxyStack add what
// they start.
export abstract class StackBuilder {
  protected dir: string | undefined;
  protected env: NodeJS.ProcessEnv = process.env;
  protected log: (line: string) => void = () => {};
  protected registration: { temporary: boolean; runDir?: string } = { temporary: false };

  withDir(dir: string): this {
    this.dir = dir;
    return this;
  }

  withEnv(env: NodeJS.ProcessEnv): this {
    this.env = env;
    return this;
  }

  withLogger(log: (line: string) => void): this {
    this.log = log;
    return this;
  }

  /**
   * What the registry of live stacks records beside the directory: a run's own
   * temporary stack is removed whole if its peakdrill dies, and that run's
   * run.json corrected.
   */
  forRun(runDir: string, options: { temporary: boolean }): this {
    this.registration = { temporary: options.temporary, runDir };
    return this;
  }
}
