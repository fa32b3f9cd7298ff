import { Breadcrumb, Typography } from 'antd';
import { useSession } from '../session.js';
import { unitPath } from '../units.js';

/** HQ › 分部 › 学习中心: click a level to go back up the tree. */
export function UnitBreadcrumb() {
  const { units, unitId, setUnitId } = useSession();
  const path = unitPath(units, unitId);
  return (
    <Breadcrumb
      data-testid="unit-breadcrumb"
      items={path.map((u, i) => ({
        key: u.id,
        title:
          i === path.length - 1 ? u.name : <Typography.Link onClick={() => setUnitId(u.id)}>{u.name}</Typography.Link>,
      }))}
    />
  );
}
