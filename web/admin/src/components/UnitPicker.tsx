import { TreeSelect } from 'antd';
import { useMemo } from 'react';
import { useSession } from '../session.js';
import { unitTree } from '../units.js';

/** The unit tree (HQ → 分部/学院 → 学习中心) limited to the admin's scope; drives every page. */
export function UnitPicker() {
  const { units, unitId, setUnitId } = useSession();
  const tree = useMemo(() => unitTree(units), [units]);
  return (
    <TreeSelect
      data-testid="unit-picker"
      style={{ minWidth: 260 }}
      value={unitId}
      treeData={tree}
      treeDefaultExpandedKeys={tree.map((n) => n.value)}
      showSearch={{ treeNodeFilterProp: 'title' }}
      onChange={(id: number) => setUnitId(id)}
      disabled={units.length <= 1}
      prefix="单位"
    />
  );
}
