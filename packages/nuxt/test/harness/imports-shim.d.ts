// The Nitro auto-imports the server runtime uses ('#imports'), declared for this package's plain tsc
// typecheck; in an app, Nuxt resolves '#imports' itself.
export declare function useRuntimeConfig(): { pgkeep: unknown; public: { pgkeep: unknown } }
export declare function defineNitroPlugin(plugin: (nitroApp: { hooks: { hook(name: 'close', fn: () => void | Promise<void>): void } }) => void): unknown
