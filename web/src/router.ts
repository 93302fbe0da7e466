// Client-side navigation without a circular import: the shell registers how to show a
// path, views call `navigate`.

export type Cleanup = () => void;
export interface View {
  title: string;
  render: (main: HTMLElement) => Cleanup | void;
}

let showPath: () => void = () => undefined;

export function setRenderer(show: () => void): void {
  showPath = show;
}

export function navigate(path: string, { replaceState = false } = {}): void {
  if (replaceState) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  showPath();
}
