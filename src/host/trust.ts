// Workspace Trust, checked in code (not only by the manifest): in an untrusted workspace nothing
// from the workspace runs, and every write refuses with this message.
import * as vscode from 'vscode';

export class UserFacingError extends Error {}

export function requireTrust(what: string): void {
  if (!vscode.workspace.isTrusted) {
    throw new UserFacingError(`${what} needs a trusted workspace: Chaperone runs nothing from an untrusted one (Manage Workspace Trust to change it).`);
  }
}
