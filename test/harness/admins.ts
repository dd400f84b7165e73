import type { INestApplication } from '@nestjs/common';
import { Role } from '../../src/common/auth/role';
import { UsersService } from '../../src/users/users.service';

/** Admins come from the CLI in real life; tests promote a registered user directly. */
export async function makeAdmin(app: INestApplication, username: string): Promise<void> {
  const users = app.get(UsersService);
  const user = await users.getByUsername(username);
  await users.update(user._id, { role: Role.Admin });
}
