import { CHECKS, type CheckResult, type CheckStatus } from '../../../../src/domain/checks.js';

const ORDER: Record<CheckStatus, number> = { fail: 0, warn: 1, pass: 2 };
const ICON: Record<CheckStatus, string> = { pass: '✓', warn: '!', fail: '✕' };
const LABEL: Record<CheckStatus, string> = { pass: '合格', warn: '需人工审核', fail: '不合格' };

export function StatusIcon({ status }: { status: CheckStatus }) {
  return (
    <span className={`status-icon status-${status}`} role="img" aria-label={LABEL[status]}>
      {ICON[status]}
    </span>
  );
}

function Row({ r }: { r: CheckResult }) {
  return (
    <li className={`check check-${r.status}`} data-check={r.id} data-status={r.status}>
      <StatusIcon status={r.status} />
      <div>
        <div className="check-title">
          {CHECKS[r.id]?.zh ?? r.id}
          {r.status !== 'pass' ? <span className={`check-tag tag-${r.status}`}>{LABEL[r.status]}</span> : null}
        </div>
        <div className="check-msg">{r.message.zh}</div>
      </div>
    </li>
  );
}

/**
 * Every check: problems first with their advice in full, then the passed ones in a compact grid
 * so the list of ~30 checks does not bury what needs doing.
 */
export function CheckList({ report }: { report: CheckResult[] }) {
  const sorted = [...report].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const problems = sorted.filter((r) => r.status !== 'pass');
  const passed = sorted.filter((r) => r.status === 'pass');
  return (
    <div data-testid="checks">
      {problems.length > 0 ? (
        <ul className="checks">
          {problems.map((r) => (
            <Row key={r.id} r={r} />
          ))}
        </ul>
      ) : null}
      {passed.length > 0 ? (
        <>
          <h3 className="checks-heading">合格项（{passed.length}）</h3>
          <ul className="checks checks-pass">
            {passed.map((r) => (
              <Row key={r.id} r={r} />
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
