import type { CampaignInfo } from '../../../../src/domain/api.js';
import { BACKGROUND_LABELS, type BackgroundName } from '../../../../src/domain/backgrounds.js';

type Backgrounds = CampaignInfo['spec']['backgrounds'];

export function BackgroundSwitch({
  backgrounds,
  value,
  onChange,
}: {
  backgrounds: Backgrounds;
  value: BackgroundName;
  onChange: (bg: BackgroundName) => void;
}) {
  return (
    <fieldset className="bg-switch" aria-label="背景颜色">
      {backgrounds.map((b) => (
        <button
          key={b.name}
          type="button"
          aria-pressed={b.name === value}
          className={b.name === value ? 'bg-option bg-option-on' : 'bg-option'}
          onClick={() => onChange(b.name)}
        >
          <span className="swatch" style={{ background: `rgb(${b.rgb.join(',')})` }} />
          {BACKGROUND_LABELS[b.name]}
        </button>
      ))}
    </fieldset>
  );
}
