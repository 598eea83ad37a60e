/**
 * Colours of the wizard. With NO_COLOR set (https://no-color.org: present and
 * not empty) every colour is undefined, so nothing but plain text, bold and
 * the ❯ / ✔ markers shows focus and state.
 */
import { createContext, useContext } from 'react';

/** Colour names as Ink's <Text color> takes them; undefined draws in the terminal's colour. */
export interface Theme {
  readonly accent: string | undefined;
  readonly muted: string | undefined;
  readonly good: string | undefined;
  readonly bad: string | undefined;
  readonly warn: string | undefined;
  /** Dim text for secondary lines; off with NO_COLOR as dimming is a colour change on most terminals. */
  readonly dim: boolean;
}

export const COLOR_THEME: Theme = { accent: 'cyan', muted: 'gray', good: 'green', bad: 'red', warn: 'yellow', dim: true };
export const PLAIN_THEME: Theme = { accent: undefined, muted: undefined, good: undefined, bad: undefined, warn: undefined, dim: false };

export function themeFor(env: NodeJS.ProcessEnv): Theme {
  return env['NO_COLOR'] ? PLAIN_THEME : COLOR_THEME;
}

export const ThemeContext = createContext<Theme>(COLOR_THEME);

export function useTheme(): Theme {
  return useContext(ThemeContext);
}
