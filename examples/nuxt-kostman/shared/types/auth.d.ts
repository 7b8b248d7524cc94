// The user kept in KostMan's sealed session cookie (nuxt-auth-utils).
declare module '#auth-utils' {
  interface User {
    email: string
    name: string
    role: 'admin' | 'staff'
  }
}

export {}
