/** The number behind a Relay global id ("Q2xpZW50T3JnYW5pemF0aW9uOjEy" = "ClientOrganization:12"
 *  -> "12"): cabinets and filters name organizations and people by it. */
export function primaryKeyOf(globalId: string): string | null {
  try {
    const decoded = atob(globalId);
    const id = decoded.slice(decoded.indexOf(":") + 1);
    return /^\d+$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** The Relay global id of a primary key ("ClientOrganization", 12 -> "Q2xpZW50T3JnYW5pemF0aW9uOjEy"). */
export function globalIdOf(type: string, pk: number | string): string {
  return btoa(`${type}:${pk}`);
}
