/**
 * Following this tab's mesh, which comes and goes with the network role (`NetworkRole` in
 * `boot.ts`): the mesh starts, and can change (an invite's answer read and stored, say), before
 * the role reports it, while the rest of the network starts. So a listener on the mesh alone
 * would miss those changes for good; `followMesh` reads once more as soon as it listens.
 */

/** What is followed of a mesh. */
export interface ChangingMesh {
  onChange(listener: () => void): () => void;
}

/** The tab's network role as followed here. */
export interface MeshHolder<M extends ChangingMesh> {
  readonly mesh: M | null;
  onChange(listener: () => void): () => void;
}

/**
 * Calls `changed` with the tab's mesh (or `null` while it has none): now, whenever the role
 * changes, and on each change of the mesh, including once right after listening to a new mesh.
 * Returns the stop.
 */
export function followMesh<M extends ChangingMesh>(
  holder: MeshHolder<M>,
  changed: (mesh: M | null) => void,
): () => void {
  let stopMesh: (() => void) | undefined;
  const roleChanged = () => {
    stopMesh?.();
    stopMesh = undefined;
    const mesh = holder.mesh;
    if (mesh) stopMesh = mesh.onChange(() => changed(mesh));
    changed(mesh);
  };
  const stopRole = holder.onChange(roleChanged);
  roleChanged();
  return () => {
    stopRole();
    stopMesh?.();
  };
}
