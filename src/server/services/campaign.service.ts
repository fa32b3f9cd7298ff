import type { CampaignInfo, CollectionState } from '../../domain/api.js';
import { BACKGROUND_NAMES } from '../../domain/backgrounds.js';
import { KaozhaoError } from '../../domain/errors.js';
import type { Campaign, CampaignRepository } from '../repositories/campaign.repository.js';
import type { PhotoRepository } from '../repositories/photo.repository.js';
import type { PhotoEngineRepository } from '../repositories/photo-engine.repository.js';
import type { Student, StudentRepository } from '../repositories/student.repository.js';

export function createCampaignService(deps: {
  campaigns: CampaignRepository;
  students: StudentRepository;
  photos: PhotoRepository;
  engine: Pick<PhotoEngineRepository, 'spec'>;
}) {
  const { campaigns, students, photos, engine } = deps;

  function info(c: Campaign, now = new Date()): CampaignInfo {
    const spec = engine.spec(c.specId);
    return {
      id: c.id,
      name: c.name,
      startsAt: c.startsAt.toISOString(),
      endsAt: c.endsAt.toISOString(),
      open: c.startsAt <= now && now < c.endsAt,
      spec: {
        id: spec.id,
        width: spec.width,
        height: spec.height,
        backgrounds: BACKGROUND_NAMES.flatMap((name) => {
          const rgb = spec.backgrounds[name];
          return rgb ? [{ name, rgb }] : [];
        }),
        defaultBackground: spec.defaultBackground,
      },
      // A centre's own contacts are for the students who open its entry link (entry-link.service.ts).
      support: c.support.filter((s) => !s.unitCode),
    };
  }

  async function current(): Promise<Campaign> {
    const c = await campaigns.current();
    if (!c) throw KaozhaoError.of('campaign.none');
    return c;
  }

  /** Where a student stands; submitted beats exempt beats the window, so nobody is told to redo. */
  async function stateOf(student: Student, c: Campaign | undefined, now = new Date()): Promise<CollectionState> {
    if (!c) return 'no_campaign';
    const sub = await photos.submission(c.id, student.id);
    if (sub && sub.status !== 'rejected') return 'submitted';
    if (await students.isExempt(c.id, student.id)) return 'exempt';
    if (now < c.startsAt) return 'not_started';
    if (now >= c.endsAt) return 'closed';
    return 'todo';
  }

  /** Throws the message the student sees when the flow is not open to them. */
  async function assertCanCollect(student: Student): Promise<Campaign> {
    if (student.enrolmentStatus !== 'enrolled') throw KaozhaoError.of('student.not_enrolled');
    const c = await current();
    const state = await stateOf(student, c);
    if (state === 'submitted') throw KaozhaoError.of('photo.already_submitted');
    if (state === 'exempt') throw KaozhaoError.of('campaign.exempt');
    if (state === 'not_started') throw KaozhaoError.of('campaign.not_started');
    if (state === 'closed') throw KaozhaoError.of('campaign.closed');
    return c;
  }

  return { info, current, stateOf, assertCanCollect };
}
export type CampaignService = ReturnType<typeof createCampaignService>;
