/**
 * The credential a client sends: a fixed `apiKey` (server side), or a `token()` function (browser:
 * it fetches an end-user token from the app's backend). A 401 (or WS close 4001) refreshes the
 * token once; a second refusal in a row is final.
 */

export type TokenSource = () => Promise<string> | string;

export class Credentials {
  #apiKey: string | null;
  #source: TokenSource | null;
  #current: Promise<string> | null = null;

  constructor(apiKey: string | undefined, token: TokenSource | undefined) {
    this.#apiKey = apiKey ?? null;
    this.#source = token ?? null;
  }

  /** Whether a refresh can give a different credential. */
  get refreshable(): boolean {
    return this.#source !== null;
  }

  get(): Promise<string> {
    if (this.#apiKey !== null) return Promise.resolve(this.#apiKey);
    if (!this.#source) return Promise.reject(new Error("Spool: pass apiKey or token"));
    if (!this.#current) {
      const source = this.#source;
      this.#current = Promise.resolve().then(() => source());
      this.#current.catch(() => {
        // a failed fetch of the token is not cached: the next call asks again
        this.#current = null;
      });
    }
    return this.#current;
  }

  /** Drops the cached token (after a 401) so the next `get()` asks the source again. */
  invalidate(used: string): void {
    if (this.#apiKey !== null) return;
    void this.#current?.then((token) => {
      if (token === used) this.#current = null;
    });
    this.#current = null;
  }
}
