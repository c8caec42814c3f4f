import { describe, expect, it } from 'vitest';
import { followMesh, type ChangingMesh, type MeshHolder } from './follow-mesh.ts';

class FakeMesh implements ChangingMesh {
  state = 'waiting';
  readonly listeners = new Set<() => void>();
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  change(state: string): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }
}

class FakeRole implements MeshHolder<FakeMesh> {
  mesh: FakeMesh | null = null;
  readonly listeners = new Set<() => void>();
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(mesh: FakeMesh | null): void {
    this.mesh = mesh;
    for (const listener of this.listeners) listener();
  }
}

describe('followMesh', () => {
  it('reads a change the mesh made while it started, before the role reported it', () => {
    const role = new FakeRole();
    const seen: (string | null)[] = [];
    followMesh(role, (mesh) => seen.push(mesh?.state ?? null));
    const mesh = new FakeMesh();
    // The answer to an invite came and was stored while the rest of the network started.
    mesh.change('answered');
    role.set(mesh);
    expect(seen).toEqual([null, 'answered']);
    mesh.change('friends');
    expect(seen.at(-1)).toBe('friends');
  });

  it('reads the mesh the role already holds at once', () => {
    const role = new FakeRole();
    const mesh = new FakeMesh();
    mesh.change('online');
    role.mesh = mesh;
    const seen: (string | null)[] = [];
    followMesh(role, (m) => seen.push(m?.state ?? null));
    expect(seen).toEqual(['online']);
  });

  it('lets go of a mesh the tab lost, and stops', () => {
    const role = new FakeRole();
    const first = new FakeMesh();
    const seen: (string | null)[] = [];
    const stop = followMesh(role, (m) => seen.push(m?.state ?? null));
    role.set(first);
    role.set(null);
    first.change('stopped');
    expect(seen).toEqual([null, 'waiting', null]);
    expect(first.listeners.size).toBe(0);
    stop();
    role.set(new FakeMesh());
    expect(seen).toEqual([null, 'waiting', null]);
  });
});
