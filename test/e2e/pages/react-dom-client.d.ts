// The one react-dom entry the browser test page uses (no @types/react-dom is installed).
declare module "react-dom/client" {
  import type { ReactNode } from "react";
  export function createRoot(container: Element): { render(node: ReactNode): void };
}
