import type { TestUser } from '../factories';
import type { TestApp } from './test-app';

/** Runs `work` with the org's feature flag `flag` off (set by an owner through the API), then turns it on again. */
export async function withFlagOff(
  t: TestApp,
  org: { id: string },
  owner: TestUser,
  flag: string,
  work: () => Promise<void>,
): Promise<void> {
  const set = (on: boolean) =>
    t
      .http()
      .put(`/v1/orgs/${org.id}/feature-flags`)
      .set(owner.auth)
      .send({ flags: { [flag]: on } })
      .expect(200);
  await set(false);
  try {
    await work();
  } finally {
    await set(true);
  }
}
