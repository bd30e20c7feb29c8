/** Where the gateway accepts resumable uploads (tus 1.0); the app learns it from POST /api/sessions. */
export const UPLOAD_PATH = "/api/uploads";
