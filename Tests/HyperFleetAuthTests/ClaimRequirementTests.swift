import HyperFleetAuth
import Testing

@Suite("Write split: ClaimRequirement")
struct ClaimRequirementTests {
    let write = ClaimRequirement(claim: "scope", value: "hyperfleet:write")

    func principal(_ claims: [String: ClaimValue]) -> Principal {
        Principal(subject: "alice", email: "alice@example.org", issuer: nil, claims: claims)
    }

    @Test func exactStringSatisfies() {
        #expect(principal(["scope": .string("hyperfleet:write")]).satisfies(write))
    }

    @Test func spaceSeparatedListSatisfies() {
        #expect(principal(["scope": .string("openid hyperfleet:write profile")]).satisfies(write))
        #expect(principal(["scope": .string("hyperfleet:write email")]).satisfies(write))
    }

    @Test func arrayOfStringsSatisfies() {
        let groups = ClaimRequirement(claim: "groups", value: "fleet-admins")
        #expect(principal(["groups": .array([.string("devs"), .string("fleet-admins")])]).satisfies(groups))
    }

    @Test func absentOrDifferentValuesDoNotSatisfy() {
        #expect(!principal([:]).satisfies(write))
        #expect(!principal(["scope": .string("openid hyperfleet:read")]).satisfies(write))
        #expect(!principal(["scope": .string("hyperfleet:writer")]).satisfies(write))
        #expect(!principal(["scope": .string("xhyperfleet:write")]).satisfies(write))
        #expect(!principal(["scope": .array([.string("hyperfleet:read"), .number(1)])]).satisfies(write))
        #expect(!principal(["scope": .bool(true)]).satisfies(write))
        #expect(!principal(["scope": .object(["hyperfleet:write": .bool(true)])]).satisfies(write))
        #expect(!principal(["roles": .string("hyperfleet:write")]).satisfies(write))
    }

    @Test func valueWithSpacesMatchesOnlyWholeString() {
        let requirement = ClaimRequirement(claim: "team", value: "fleet ops")
        #expect(principal(["team": .string("fleet ops")]).satisfies(requirement))
        #expect(!principal(["team": .string("fleet")]).satisfies(requirement))
    }

    @Test func requirementIsCheckedOnVerifiedTokenClaims() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let writer = try await key.sign(claims(["scope": .string("openid hyperfleet:write")]))
            let reader = try await key.sign(claims(["scope": .string("openid hyperfleet:read")]))
            let arrayWriter = try await key.sign(claims(["scope": .array([.string("hyperfleet:write")])]))
            #expect(try await auth.authenticate(authorization: "Bearer \(writer)", now: testNow).satisfies(write))
            #expect(try await auth.authenticate(authorization: "Bearer \(arrayWriter)", now: testNow).satisfies(write))
            #expect(try await !auth.authenticate(authorization: "Bearer \(reader)", now: testNow).satisfies(write))
        }
    }
}
