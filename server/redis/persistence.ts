/**
 * Start-up check of a Redis the hub did not start (REDIS_URL): is it set up so that an acknowledged write
 * survives a crash (hard rule 4) and is never evicted? A difference is logged as a warning, not refused:
 * the operator may have reasons (a replica with its own fsync, a managed Redis that forbids CONFIG).
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** What deploy/redis-serialhub.conf sets, and why (docs/DEPLOY.md section 5). */
export const RECOMMENDED_PERSISTENCE = {
  appendonly: 'yes',
  appendfsync: 'always',
  'maxmemory-policy': 'noeviction',
} as const;

export type PersistenceCheck =
  | { checked: true; differs: { setting: string; value: string; recommended: string }[] }
  | { checked: false; reason: string };

/** Reads the settings with CONFIG GET; a Redis that refuses CONFIG (ACL, renamed command) is reported, not fatal. */
export async function checkPersistence(redis: Redis): Promise<PersistenceCheck> {
  const differs: { setting: string; value: string; recommended: string }[] = [];
  try {
    for (const [setting, recommended] of Object.entries(RECOMMENDED_PERSISTENCE)) {
      const reply = (await redis.config('GET', setting)) as unknown as string[];
      const value = reply[1] ?? '(unset)';
      if (value !== recommended) differs.push({ setting, value, recommended });
    }
  } catch (err) {
    return { checked: false, reason: (err as Error).message };
  }
  return { checked: true, differs };
}

/** Logs what checkPersistence found: a warning for each way acknowledged writes could be lost. */
export async function warnAboutPersistence(redis: Redis, log: Logger, where: string): Promise<PersistenceCheck> {
  const found = await checkPersistence(redis);
  if (!found.checked) {
    log.warn({ redis: where, reason: found.reason, recommended: RECOMMENDED_PERSISTENCE },
      'could not read the Redis persistence settings (CONFIG GET refused): make sure the AOF is on with appendfsync always and maxmemory-policy noeviction, or acknowledged sales can be lost in a crash');
  } else if (found.differs.length > 0) {
    const list = found.differs.map((d) => `${d.setting} is ${d.value} (recommended: ${d.recommended})`).join('; ');
    log.warn({ redis: where, differs: found.differs },
      `Redis is not set up to keep every acknowledged write through a crash: ${list}. See deploy/redis-serialhub.conf`);
  }
  return found;
}
