import { useId } from 'react';
import { THEME_CHOICES, useTheme, type ThemeChoice } from './theme.js';

const LABELS: Record<ThemeChoice, string> = { system: 'As the system', light: 'Light', dark: 'Dark' };

/** Light, dark or as the system: remembered in this browser, for both apps. */
export function ThemeSwitch() {
  const [choice, choose] = useTheme();
  const id = useId();
  return (
    <span className="theme-switch">
      <label htmlFor={id}>Theme</label>
      <select id={id} className="auto" value={choice} onChange={(e) => choose(e.target.value as ThemeChoice)}>
        {THEME_CHOICES.map((c) => (
          <option key={c} value={c}>
            {LABELS[c]}
          </option>
        ))}
      </select>
    </span>
  );
}
