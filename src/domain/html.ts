// Escaping for text placed into HTML (emails and the approval page). Everything an agent or a
// user typed goes through this; nothing we render trusts its input.
const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
