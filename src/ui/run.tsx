/**
 * Start the Ink wizard on a terminal and resolve with how it ended. The one
 * place that calls Ink's render; commands/wizard.ts imports this lazily so
 * `generate` and `--help` never load Ink.
 */
import { render } from 'ink';
import { WizardApp, type WizardOutcome, type WizardServices } from './app.js';
import type { FlowConfig } from '../wizard/resolve-flow.js';
import { ThemeContext, themeFor } from './theme.js';
import { configToDraw } from './later-facts.js';
import type { FrontEnd } from '../wizard/front-end.js';

export type { WizardOutcome, WizardServices } from './app.js';
export type { FlowConfig } from '../wizard/resolve-flow.js';

export interface RunWizardOptions {
  readonly config: FlowConfig;
  readonly services: WizardServices;
  readonly stdin?: NodeJS.ReadStream;
  readonly stdout?: NodeJS.WriteStream;
  readonly env?: NodeJS.ProcessEnv;
  /** Called just before Ink draws its first frame (to erase the splash). */
  readonly beforeRender?: (() => void) | undefined;
}

export async function runInkWizard({ config, services, stdin = process.stdin, stdout = process.stdout, env = process.env, beforeRender }: RunWizardOptions): Promise<WizardOutcome> {
  const ready = await configToDraw(config);
  beforeRender?.();
  const instance = render(
    <ThemeContext.Provider value={themeFor(env)}>
      <WizardApp config={ready} services={services} />
    </ThemeContext.Provider>,
    // Ctrl+C is a key like the others: the flow ends and the command exits through process.exit.
    { stdin, stdout, exitOnCtrlC: false },
  );
  const outcome = (await instance.waitUntilExit()) as WizardOutcome | undefined;
  return outcome ?? { kind: 'cancelled' };
}

/** The Ink wizard as a front end, on this process's terminal. */
export const inkFrontEnd: FrontEnd = {
  run: (config, services, beforeRender) => runInkWizard({ config, services, beforeRender }),
};
