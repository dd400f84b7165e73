/** What a signed-in user may do: every user has a role, admins may moderate and manage. */
export enum Role {
  User = 'user',
  Admin = 'admin',
}
