/**
 * ToolRegistry on MongoDB (see ports/tool-registry.ts for the contract). `_id` is
 * `<tenant_id>/<name>`, so uniqueness per tenant needs no extra index; `put` is one upsert with
 * `$setOnInsert` for `created_at`, so concurrent registrations cannot create two documents.
 */
import type { Collection, Db } from "mongodb";
import type { ToolRecord, ToolRegistry } from "../../ports/tool-registry.ts";

type ToolDoc = ToolRecord & { _id: string };

const COLLECTION = "tenant_tools";

const idOf = (tenantId: string, name: string) => `${tenantId}/${name}`;

function fromDoc(doc: ToolDoc): ToolRecord {
  const { _id: _ignored, ...record } = doc;
  return record;
}

export class MongoToolRegistry implements ToolRegistry {
  readonly #tools: Collection<ToolDoc>;

  constructor(db: Db) {
    this.#tools = db.collection<ToolDoc>(COLLECTION);
  }

  async put(tool: ToolRecord): Promise<ToolRecord> {
    const { created_at, ...replaced } = tool;
    const doc = await this.#tools.findOneAndUpdate(
      { _id: idOf(tool.tenant_id, tool.name) },
      { $set: replaced, $setOnInsert: { created_at } },
      { upsert: true, returnDocument: "after" },
    );
    if (!doc) throw new Error(`tool ${tool.name} missing right after its upsert`);
    return fromDoc(doc);
  }

  async get(tenantId: string, name: string): Promise<ToolRecord | null> {
    const doc = await this.#tools.findOne({ _id: idOf(tenantId, name) });
    return doc ? fromDoc(doc) : null;
  }

  async list(tenantId: string): Promise<ToolRecord[]> {
    const docs = await this.#tools.find({ tenant_id: tenantId }).sort({ name: 1 }).toArray();
    return docs.map(fromDoc);
  }

  async delete(tenantId: string, name: string): Promise<boolean> {
    const { deletedCount } = await this.#tools.deleteOne({ _id: idOf(tenantId, name) });
    return deletedCount > 0;
  }
}
