/**
 * Host name → addresses, for checking tenant tool destinations (domain/destination-policy.ts) at
 * registration and right before each connection. Returns every address (IPv4 and IPv6) the name
 * has; an IP literal resolves to itself. Rejects when the name does not resolve. Tests inject
 * their own answers (a name that resolves to 127.0.0.1) through this port.
 */
export interface HostResolver {
  resolve(host: string): Promise<string[]>;
}
