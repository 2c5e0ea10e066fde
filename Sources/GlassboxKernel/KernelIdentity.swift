import Foundation

/// What the kernel says about itself in `kernel_info_reply`.
public struct KernelIdentity: Sendable {
    public var implementation: String
    public var implementationVersion: String
    public var languageInfo: LanguageInfo
    public var banner: String
    public var helpLinks: [HelpLink]

    public init(
        implementation: String = "glassbox", implementationVersion: String, languageInfo: LanguageInfo,
        banner: String, helpLinks: [HelpLink]
    ) {
        self.implementation = implementation
        self.implementationVersion = implementationVersion
        self.languageInfo = languageInfo
        self.banner = banner
        self.helpLinks = helpLinks
    }

    /// Reads the language facts from an interpreter.
    public init(interpreter: any KernelInterpreter, implementationVersion: String) {
        self.init(
            implementationVersion: implementationVersion, languageInfo: interpreter.languageInfo,
            banner: interpreter.banner, helpLinks: interpreter.helpLinks)
    }

    /// The content of `kernel_info_reply`.
    public var kernelInfoContent: [String: Any] {
        [
            "status": "ok",
            "protocol_version": MessageHeaderFactory.protocolVersion,
            "implementation": implementation,
            "implementation_version": implementationVersion,
            "language_info": [
                "name": languageInfo.name,
                "version": languageInfo.version,
                "mimetype": languageInfo.mimetype,
                "file_extension": languageInfo.fileExtension,
                "codemirror_mode": languageInfo.codemirrorMode,
                "pygments_lexer": languageInfo.pygmentsLexer,
            ] as [String: Any],
            "banner": banner,
            "help_links": helpLinks.map { ["text": $0.text, "url": $0.url] },
            "debugger": false,
            "supported_features": [String](),
        ]
    }
}

extension MimeBundle {
    /// `data` and `metadata` as JSON objects.
    var jsonData: [String: Any] { data }
    var jsonMetadata: [String: Any] { metadata.mapValues { $0 as [String: Any] } }
}
