// What every page needs: who is signed in, their unit scope, and the unit being looked at.
import { createContext, useContext } from 'react';
import type { AdminSelf, UnitNode } from '../../../src/domain/admin-api.js';

export interface Session {
  me: AdminSelf;
  units: UnitNode[];
  /** The unit chosen in the unit tree; the admin's own unit by default. */
  unitId: number;
  setUnitId: (id: number) => void;
  /** Re-reads the unit tree after a unit was added or renamed. */
  reloadUnits: () => Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the signed-in console');
  return s;
}

export function useSelectedUnit(): UnitNode {
  const { units, unitId, me } = useSession();
  return units.find((u) => u.id === unitId) ?? { ...me.unit, parentId: null };
}
