/**
 * Requests made during one turn of the event loop, sent to Redis together (issue 17's write
 * combining): the first request schedules a flush on `setImmediate`; the flush cuts the pending
 * requests, in order, into calls of at most `maxUnitsPerCall` units (a request is never split: a
 * call over the bound holds that one request alone), and each call's reply settles its requests.
 * A call that fails, or a reply that cannot be read, fails every request of that call. Used by the
 * event-append and message-group-append combiners.
 */

/** A request's own answer, or the error that fails only it. */
export type CallResult<O> = { ok: O } | { error: unknown };

export interface TickCombinerOptions<R, O> {
  /** Redis runs a script to its end before anything else: this keeps one call short. */
  maxUnitsPerCall: number;
  unitsOf(request: R): number;
  /** One script call for `requests`; an answer for each, in order. */
  call(requests: R[]): Promise<CallResult<O>[]>;
}

interface Pending<R, O> {
  request: R;
  resolve(outcome: O): void;
  reject(error: unknown): void;
}

export class TickCombiner<R, O> {
  #pending: Pending<R, O>[] = [];
  #scheduled = false;

  constructor(private readonly options: TickCombinerOptions<R, O>) {}

  submit(request: R): Promise<O> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ request, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const pending = this.#pending;
    this.#pending = [];
    this.#scheduled = false;
    let call: Pending<R, O>[] = [];
    let units = 0;
    for (const entry of pending) {
      const size = this.options.unitsOf(entry.request);
      if (call.length > 0 && units + size > this.options.maxUnitsPerCall) {
        this.#send(call);
        call = [];
        units = 0;
      }
      call.push(entry);
      units += size;
    }
    if (call.length > 0) this.#send(call);
  }

  #send(call: Pending<R, O>[]): void {
    this.options
      .call(call.map((p) => p.request))
      .then((results) => {
        call.forEach((entry, i) => {
          const result = results[i];
          if (result && "ok" in result) entry.resolve(result.ok);
          else entry.reject(result?.error ?? new Error(`no answer for request ${i} of the call`));
        });
      })
      // Settling a promise twice is a no-op: requests already answered keep their answer.
      .catch((error) => {
        for (const entry of call) entry.reject(error);
      });
  }
}
