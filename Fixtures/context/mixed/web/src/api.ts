export interface User {
  id: number;
  name: string;
  email: string;
}

export class ApiClient {
  constructor(private baseUrl: string, private token?: string) {}

  async get<T>(path: string): Promise<T> {
    const response = await fetch(path, {
      headers: this.token ? { Authorization: `Bearer ${this.token}` } : {},
    });
    if (!response.ok) {
      throw new Error(`GET ${path} failed: ${response.status}`);
    }
    return (await response.json()) as T;
  }
}

export async function fetchUsers(client: ApiClient): Promise<User[]> {
  return client.get<User[]>("/users");
}
