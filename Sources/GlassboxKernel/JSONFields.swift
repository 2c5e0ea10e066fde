import Foundation

/// Typed reads from the `[String: Any]` objects `JSONSerialization` produces.
///
/// On Linux, JSON `true`/`false` arrive as `NSNumber`, and `NSNumber(1) as? Bool` also succeeds, so
/// booleans and numbers are told apart by the number's Objective-C type code.
enum JSONFields {
    /// Whether `number` came from a JSON boolean.
    static func isBoolean(_ number: NSNumber) -> Bool {
        // JSONSerialization makes booleans `__NSCFBoolean` with type code "c"; integers are "i"/"q".
        String(cString: number.objCType) == "c"
    }

    static func string(_ object: [String: Any], _ key: String) -> String? {
        object[key] as? String
    }

    static func bool(_ object: [String: Any], _ key: String) -> Bool? {
        guard let value = object[key] else { return nil }
        guard let number = value as? NSNumber, isBoolean(number) else { return nil }
        return number.boolValue
    }

    static func int(_ object: [String: Any], _ key: String) -> Int? {
        guard let number = object[key] as? NSNumber, !isBoolean(number) else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 1e15 else { return nil }
        return number.intValue
    }

    static func object(_ object: [String: Any], _ key: String) -> [String: Any]? {
        object[key] as? [String: Any]
    }
}
