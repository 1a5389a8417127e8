/** Where the job serves its metrics, health, API and dashboard, and the token its API asks for. */
export interface HttpOptions {
  /** As given, without brackets around an IPv6 address. */
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly token: string | null;
}
