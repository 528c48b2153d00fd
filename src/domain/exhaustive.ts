/**
 * The default branch of a switch that must name every member of a union (event types, stream
 * parts): adding a member is then a type error at each such switch, not a silent fall-through.
 */
export function unreachable(value: never, what: string): never {
  throw new Error(
    `unhandled ${what}: ${JSON.stringify((value as { type?: unknown }).type ?? value)}`,
  );
}
