/**
 * Where Kith runs, for the install prompt: already installed (standalone), or a Safari tab on an
 * iPhone or iPad, where no browser ever fires `beforeinstallprompt` and the only way onto the
 * Home Screen is Safari's Share menu, so the app explains it.
 */

/** What the checks read of the browser (`navigator` and `matchMedia` in the app). */
export interface BrowserFacts {
  readonly userAgent: string;
  readonly platform: string;
  readonly maxTouchPoints: number;
  /** Safari's own flag, true when opened from the Home Screen. */
  readonly standalone: boolean | undefined;
  /** Whether `(display-mode: standalone)` (or fullscreen/minimal-ui) matches. */
  readonly displayStandalone: boolean;
}

/** Whether Kith runs as an installed app (from the Home Screen or an app launcher). */
export function isInstalled(facts: BrowserFacts): boolean {
  return facts.displayStandalone || facts.standalone === true;
}

/**
 * Whether this is Safari on iOS or iPadOS, in a tab. iPadOS says it is a Mac; a Mac with a touch
 * screen does not exist, so touch points tell them apart. Other iOS browsers (Chrome `CriOS`,
 * Firefox `FxiOS`, Edge `EdgiOS`) hide Add to Home Screen elsewhere, so the steps would be wrong.
 */
export function isIosSafariTab(facts: BrowserFacts): boolean {
  const ios =
    /iPhone|iPad|iPod/.test(facts.userAgent) ||
    (facts.platform === 'MacIntel' && facts.maxTouchPoints > 1);
  const safari =
    /Safari\//.test(facts.userAgent) && !/CriOS|FxiOS|EdgiOS|OPiOS/.test(facts.userAgent);
  return ios && safari && !isInstalled(facts);
}

/** The facts of the running browser. */
export function browserFacts(): BrowserFacts {
  const display = (mode: string) =>
    globalThis.matchMedia?.(`(display-mode: ${mode})`).matches ?? false;
  return {
    userAgent: navigator.userAgent,
    platform: navigator.platform,
    maxTouchPoints: navigator.maxTouchPoints,
    standalone: (navigator as Navigator & { standalone?: boolean }).standalone,
    displayStandalone: display('standalone') || display('fullscreen') || display('minimal-ui'),
  };
}
