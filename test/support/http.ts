// Small typed helpers for reading REST responses in tests.

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
}

export async function problemOf(res: Response): Promise<ProblemBody> {
  return (await res.json()) as ProblemBody;
}
