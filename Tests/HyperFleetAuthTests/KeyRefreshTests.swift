import Foundation
import HyperFleetAuth
import HyperFleetTestSupport
import Testing

@Suite("JWKS reload and refresh")
struct KeyRefreshTests {
    @Test func reloadPicksUpANewKey() async throws {
        let old = try TestKey.rsa(kid: "old")
        let new = TestKey.es256(kid: "new")
        try await withAuthenticator(keys: [old]) { auth, fixture async throws in
            let newToken = try await new.sign(claims())
            try fixture.write(keys: [new])
            try await auth.reload()
            #expect(await rejection(auth, token: newToken) == nil)
            #expect(try await rejection(auth, token: old.sign(claims())) == .unknownKeyID)
        }
    }

    @Test func failedReloadKeepsTheLastGoodKeys() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, fixture async throws in
            try fixture.write(raw: Data("{\"keys\": 42}".utf8))
            await #expect(throws: JWKSError.self) { try await auth.reload() }
            try FileManager.default.removeItem(at: fixture.file)
            await #expect(throws: JWKSError.self) { try await auth.reload() }
            #expect(try await rejection(auth, token: key.sign(claims())) == nil)
        }
    }

    @Test func failedReloadIsLoggedAsWarning() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        let fixture = try JWKSFixture(keys: [key])
        defer { fixture.cleanUp() }
        let recorder = LogRecorder()
        let auth = try await BearerAuthenticator(configuration: fileConfiguration(fixture), logger: recorder.logger)
        #expect(recorder.messages(atLeast: .warning).isEmpty)
        try fixture.write(raw: Data("not json".utf8))
        await #expect(throws: JWKSError.self) { try await auth.reload() }
        #expect(recorder.messages(atLeast: .warning).contains { $0.contains("JWKS refresh failed") })
    }

    @Test func encryptionKeysAreSkippedQuietlyButBrokenKeysWarn() async throws {
        let good = TestKey.es256(kid: "good")
        var encryptionJWK = try TestKey.rsa(kid: "enc").jwk()
        encryptionJWK["use"] = "enc"
        let fixture = try JWKSFixture(keys: [])
        defer { fixture.cleanUp() }
        try fixture.write(jwks: ["keys": [encryptionJWK, try good.jwk()]])
        let recorder = LogRecorder()
        _ = try await BearerAuthenticator(configuration: fileConfiguration(fixture), logger: recorder.logger)
        #expect(recorder.messages(atLeast: .warning).isEmpty)
        #expect(recorder.messages(atLeast: .debug).contains("Skipping JWKS key"))

        try fixture.write(jwks: ["keys": [["kty": "RSA", "kid": "broken", "n": "AA", "e": "AQAB"], try good.jwk()]])
        _ = try await BearerAuthenticator(configuration: fileConfiguration(fixture), logger: recorder.logger)
        #expect(recorder.messages(atLeast: .warning) == ["Skipping JWKS key"])
    }

    @Test func unknownKidTriggersOneEarlyRefresh() async throws {
        let first = try TestKey.rsa(kid: "first")
        let second = TestKey.es256(kid: "second")
        let third = TestKey.es256(kid: "third")
        try await withAuthenticator(keys: [first]) { auth, fixture async throws in
            try fixture.write(keys: [first, second])
            // No reload call: the unknown kid itself refreshes the keys.
            #expect(try await rejection(auth, token: second.sign(claims())) == nil)
            try fixture.write(keys: [first, second, third])
            // Within the cooldown a second unknown kid does not refresh again.
            #expect(try await rejection(auth, token: third.sign(claims())) == .unknownKeyID)
            try await auth.reload()
            #expect(try await rejection(auth, token: third.sign(claims())) == nil)
        }
    }

    @Test func earlyRefreshIsAllowedAgainAfterTheCooldown() async throws {
        let first = try TestKey.rsa(kid: "first")
        let second = TestKey.es256(kid: "second")
        let configure: (JWKSFixture) -> AuthConfiguration = {
            var configuration = fileConfiguration($0)
            configuration.unknownKeyRefreshCooldown = .seconds(2)
            return configuration
        }
        try await withAuthenticator(keys: [first], configure: configure) { auth, fixture async throws in
            let token = try await second.sign(claims())
            #expect(await rejection(auth, token: token) == .unknownKeyID)
            try fixture.write(keys: [first, second])
            #expect(await rejection(auth, token: token) == .unknownKeyID)
            try await Task.sleep(for: .milliseconds(2200))
            #expect(await rejection(auth, token: token) == nil)
        }
    }

    @Test func refreshLoopReloadsPeriodicallyAndStopsOnCancel() async throws {
        let first = try TestKey.rsa(kid: "first")
        let second = TestKey.es256(kid: "second")
        let configure: (JWKSFixture) -> AuthConfiguration = {
            var configuration = fileConfiguration($0)
            configuration.refreshInterval = .milliseconds(100)
            configuration.unknownKeyRefreshCooldown = .seconds(3600)
            return configuration
        }
        try await withAuthenticator(keys: [first], configure: configure) { auth, fixture async throws in
            let token = try await second.sign(claims())
            // Uses up the early refresh, so only the loop can bring the new key in.
            #expect(await rejection(auth, token: token) == .unknownKeyID)
            let loop = Task { await auth.runRefreshLoop() }
            try fixture.write(keys: [first, second])
            var accepted = false
            for _ in 0..<50 where !accepted {
                try await Task.sleep(for: .milliseconds(100))
                accepted = await rejection(auth, token: token) == nil
            }
            #expect(accepted)
            // The loop must notice cancellation while sleeping and return.
            let finished = Flag()
            let watcher = Task {
                await loop.value
                await finished.set()
            }
            loop.cancel()
            var returned = false
            for _ in 0..<50 where !returned {
                try await Task.sleep(for: .milliseconds(100))
                returned = await finished.value
            }
            #expect(returned)
            watcher.cancel()
        }
    }

    @Test func concurrentRequestsDuringReloadsAllSucceed() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let token = try await key.sign(claims())
            let failures = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        if index % 8 == 0 { try? await auth.reload() }
                        return await rejection(auth, token: token) != nil
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(failures == 0)
        }
    }
}

@Suite("JWKS from a URL")
struct JWKSURLTests {
    @Test func keysAreFetchedReloadedAndKeptWhenTheServerGoesAway() async throws {
        let old = try TestKey.rsa(kid: "old")
        let new = TestKey.es256(kid: "new")
        let fixture = try JWKSFixture(keys: [old])
        defer { fixture.cleanUp() }
        let server = try StaticFileServer(directory: fixture.directory)
        defer { server.stop() }

        var configuration = fileConfiguration(fixture)
        configuration.jwksFile = nil
        configuration.jwksURL = server.url("jwks.json")
        let auth = try await BearerAuthenticator(configuration: configuration, logger: quietLogger)
        #expect(try await rejection(auth, token: old.sign(claims())) == nil)

        try fixture.write(keys: [old, new])
        try await auth.reload()
        #expect(try await rejection(auth, token: new.sign(claims())) == nil)

        server.stop()
        let error = try await #require(throws: JWKSError.self) { try await auth.reload() }
        #expect(error.message.contains("127.0.0.1"))
        #expect(try await rejection(auth, token: new.sign(claims())) == nil)
        #expect(try await rejection(auth, token: old.sign(claims())) == nil)
    }

    @Test func httpErrorStatusFailsStartup() async throws {
        let fixture = try JWKSFixture(keys: [])
        defer { fixture.cleanUp() }
        let server = try StaticFileServer(directory: fixture.directory)
        defer { server.stop() }
        let configuration = AuthConfiguration(jwksURL: server.url("missing.json"))
        let error = try await #require(throws: JWKSError.self) {
            _ = try await BearerAuthenticator(configuration: configuration, logger: quietLogger)
        }
        #expect(error.message.contains("404"))
    }
}

/// A one-way boolean shared between tasks.
actor Flag {
    private(set) var value = false
    func set() { value = true }
}
