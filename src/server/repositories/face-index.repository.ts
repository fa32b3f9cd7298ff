// Nearest-face search over submitted photos, for "the same face under two identities". It needs
// pgvector: always there in the embedded database; on a PostgreSQL server it is used when the
// extension is installed (CREATE EXTENSION rights or an existing extension), otherwise the search
// is off and says so, and everything else works. The table lives outside the drizzle migrations
// for that reason: it is created here, idempotently, when the extension is available.
import { sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../../db/client.js';
import { rows } from '../../db/client.js';
import { FACE_DESCRIPTION_LENGTH as DESCRIPTION_LENGTH } from '../../photo/similarity.js';

export interface FaceMatch {
  photoId: string;
  studentId: number;
  similarity: number;
}

export interface FaceIndexRepository {
  readonly available: boolean;
  /** Indexes a submitted photo's description (replaces an earlier entry of the same photo). */
  add(db: DbOrTx, e: { photoId: string; studentId: number; campaignId: string; embedding: number[] }): Promise<void>;
  remove(db: DbOrTx, photoId: string): Promise<void>;
  /** The closest indexed photos of other students, most similar first. */
  nearest(embedding: number[], excludeStudentId: number, limit: number): Promise<FaceMatch[]>;
}

/** Advisory lock id for creating the index (the migrations use another). */
const FACE_INDEX_LOCK = 7_453_211;

const vectorText = (v: number[]) => `[${v.map((x) => (Number.isFinite(x) ? x : 0)).join(',')}]`;

export async function createFaceIndexRepository(database: Database): Promise<FaceIndexRepository> {
  const db = database.db;
  const [ext] = await rows<{ installed: boolean; available: boolean }>(
    db,
    sql`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS installed,
               EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS available`,
  );
  let available = Boolean(ext?.installed || ext?.available);
  if (available) {
    try {
      // Under a lock: API and worker processes starting together would otherwise race on
      // CREATE … IF NOT EXISTS (a duplicate-key error) and one of them would run without search.
      await db.transaction(async (tx) => {
        await tx.execute(sql`SELECT pg_advisory_xact_lock(${FACE_INDEX_LOCK})`);
        await tx.execute(sql`CREATE EXTENSION IF NOT EXISTS vector`);
        await tx.execute(
          sql.raw(`CREATE TABLE IF NOT EXISTS face_index (
            photo_id uuid PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
            student_id bigint NOT NULL,
            campaign_id uuid NOT NULL,
            embedding vector(${DESCRIPTION_LENGTH}) NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now())`),
        );
        // HNSW on cosine distance: a query reads a few hundred entries, not the whole index.
        await tx.execute(
          sql`CREATE INDEX IF NOT EXISTS face_index_embedding_idx ON face_index USING hnsw (embedding vector_cosine_ops)`,
        );
      });
    } catch {
      // No rights to create the extension on this server: run without the search.
      available = false;
    }
  }
  return {
    available,
    async add(tx, e) {
      if (!available || e.embedding.length !== DESCRIPTION_LENGTH) return;
      await tx.execute(sql`
        INSERT INTO face_index (photo_id, student_id, campaign_id, embedding)
        VALUES (${e.photoId}, ${e.studentId}, ${e.campaignId}, ${vectorText(e.embedding)}::vector)
        ON CONFLICT (photo_id) DO UPDATE SET embedding = excluded.embedding`);
    },
    async remove(tx, photoId) {
      if (!available) return;
      await tx.execute(sql`DELETE FROM face_index WHERE photo_id = ${photoId}`);
    },
    async nearest(embedding, excludeStudentId, limit) {
      if (!available || embedding.length !== DESCRIPTION_LENGTH) return [];
      const v = vectorText(embedding);
      return rows<FaceMatch>(
        db,
        sql`SELECT photo_id AS "photoId", student_id::int AS "studentId",
                   1 - (embedding <=> ${v}::vector) AS similarity
            FROM face_index WHERE student_id <> ${excludeStudentId}
            ORDER BY embedding <=> ${v}::vector LIMIT ${limit}`,
      );
    },
  };
}
