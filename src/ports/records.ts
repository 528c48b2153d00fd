/**
 * The internal shapes the stores keep. They carry what the wire objects do not show: the tenant
 * that owns a row, and for messages the fencing `epoch` of the writer and a `rev` that grows with
 * every change, so that conditional writes can tell newer from older.
 */
import type { Message, Metadata } from "../protocol/objects.ts";

export interface ThreadRecord {
  id: string;
  tenant_id: string;
  end_user_id: string | null;
  metadata: Metadata;
  /** Epoch milliseconds. */
  created_at: number;
  last_active_at: number;
  last_seq: number;
}

export interface MessageRecord extends Message {
  tenant_id: string;
  /** Fencing epoch of the lease holder that wrote this version. */
  epoch: number;
  /** Version of this message; each change of status or content increments it. */
  rev: number;
  /** Offset of the last event in the message's stream log (-1 when it has none). */
  last_offset: number;
}

export interface TenantRecord {
  id: string;
  name: string;
  created_at: number;
}

export interface SecretKeyRecord {
  id: string;
  tenant_id: string;
  /** SHA-256 of the key, hex. The key itself is never stored. */
  hash: string;
  /** First characters of the key, for people to tell keys apart. */
  hint: string;
  created_at: number;
  revoked_at: number | null;
}
