package scan

import "github.com/bulwark-sec/bulwark"

// Rule types implemented by the Go detectors, for rule files: the draft
// rule file's dependency_list and similarity, and one type per other
// detector so that a user's rule file can apply one to its own targets.
const (
	// TypeDependencyList: dependencies that are known malicious packages
	// (KNOWN-MALICIOUS-DEPENDENCY). Parameter "list" describes the list
	// (informative; the indicators come from the built-in list and
	// --iocs).
	TypeDependencyList = "dependency_list"
	// TypeSimilarity: typosquatted dependencies (TYPOSQUAT-DEPENDENCY).
	// Parameter "method" describes the method (informative).
	TypeSimilarity = "similarity"
	// TypeDependencySource: dependencies from git, URLs or raw IPs
	// (DEP-URL-SOURCE, DEP-RAW-IP-SOURCE).
	TypeDependencySource = "dependency_source"
	// TypeEncodedBlob: ENCODED-BLOB.
	TypeEncodedBlob = "encoded_blob"
	// TypeHiddenCode: HIDDEN-AFTER-WHITESPACE, CONFIG-APPENDED-CODE,
	// CONFIG-LONG-LINE.
	TypeHiddenCode = "hidden_code"
	// TypeInvisibleUnicode: UNICODE-BIDI, UNICODE-INVISIBLE.
	TypeInvisibleUnicode = "invisible_unicode"
	// TypeIOC: KNOWN-IOC, C2-PORT, BLOCKCHAIN-DEAD-DROP-FETCH.
	TypeIOC = "ioc"
	// TypeBinaryMagic: COMMITTED-BINARY.
	TypeBinaryMagic = "binary_magic"
	// TypeExecConfig: GYP-COMMAND-EXPANSION, GIT-CONFIG-EXEC.
	TypeExecConfig = "exec_config"
	// TypeJSFlow: JS-EXEC-FETCHED, JS-EXEC-DECODED, JS-SINK-OBFUSCATED,
	// JS-ENV-EXFIL-FLOW.
	TypeJSFlow = "js_flow"
)

// DetectorRuleTypes returns the rule types of the Go detectors, to
// register in a [Registry]. A rule of one of these types runs its
// detector on the files the rule's target and exclude globs select (and
// the detector applies to); the findings keep the detector's rule ids,
// severities and explanations, which the rule's fill in only where
// empty.
func DetectorRuleTypes(opt DetectOptions) []RuleType {
	iocs := opt.IOCs
	if iocs == nil {
		iocs = BuiltinIOCs()
	}
	maxHash := opt.MaxHashBytes
	if maxHash <= 0 {
		maxHash = 32 << 20
	}
	fixed := func(name string, params []string, d Detector) RuleType {
		d = Sanitized(d)
		return RuleType{Name: name, Params: params, New: func(*Rule) (Detector, error) { return d, nil }}
	}
	return []RuleType{
		fixed(TypeDependencyList, []string{"list"}, NewDependencyDetectorWith(iocs, DependencyChecks{Known: true})),
		fixed(TypeSimilarity, []string{"method"}, NewDependencyDetectorWith(iocs, DependencyChecks{Typosquat: true})),
		fixed(TypeDependencySource, nil, NewDependencyDetectorWith(iocs, DependencyChecks{Sources: true})),
		fixed(TypeEncodedBlob, nil, BlobDetector{}),
		fixed(TypeHiddenCode, nil, HiddenCodeDetector{}),
		fixed(TypeInvisibleUnicode, nil, UnicodeDetector{}),
		fixed(TypeIOC, nil, NewIOCDetector(iocs, maxHash)),
		fixed(TypeBinaryMagic, nil, BinaryDetector{}),
		fixed(TypeExecConfig, nil, ExecConfigDetector{}),
		fixed(TypeJSFlow, nil, JSFlowDetector{}),
	}
}

// DetectorRegistry returns a Registry holding [DetectorRuleTypes].
func DetectorRegistry(opt DetectOptions) (*Registry, error) {
	reg, err := NewRegistry(DetectorRuleTypes(opt)...)
	if err != nil {
		return nil, bulwark.Errorf(bulwark.ErrorCode(err), "the Go detectors' rule types: %s", bulwark.ErrorMessage(err))
	}
	return reg, nil
}
