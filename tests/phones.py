"""Scenario phones for the fake adbd: what each allow-listed command prints, in the real formats of
Android 14 (appId=, per-user firstInstallTime, no `requested permissions:` in full dumps) and Android 7
(userId=, no `pm list packages -U`, package-level install times), as documented in
../shared/reference/android-output-formats.md and the fixtures in tests/fixtures/android/.

Everything is generated from a list of apps, so a phone with 200 or 300 apps is a line of code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from fakeadb import Response, Scenario

from techcheck.collect.allowlist import ANDROID, command_line

STORE = "com.android.vending"
COMMON_APPS = (
    "com.whatsapp",
    "com.instagram.android",
    "com.facebook.katana",
    "com.facebook.orca",
    "com.spotify.music",
    "com.netflix.mediaclient",
    "org.telegram.messenger",
    "com.snapchat.android",
    "com.zhiliaoapp.musically",
    "com.ubercab",
    "com.amazon.mShop.android.shopping",
    "com.twitter.android",
    "com.duolingo",
    "com.microsoft.teams",
    "com.microsoft.office.outlook",
    "us.zoom.videomeetings",
    "com.paypal.android.p2pmobile",
    "com.venmo",
    "com.pinterest",
    "com.reddit.frontpage",
    "com.linkedin.android",
    "com.discord",
    "org.thoughtcrime.securesms",
    "com.dropbox.android",
    "com.microsoft.skydrive",
    "com.shazam.android",
    "com.waze",
    "com.airbnb.android",
    "com.booking",
    "com.ebay.mobile",
    "com.etsy.android",
    "com.google.android.apps.translate",
    "com.google.android.apps.docs",
    "com.google.android.keep",
    "com.google.android.apps.fitness",
    "com.adobe.reader",
    "com.microsoft.office.word",
    "com.squareup.cash",
    "com.chase.sig.android",
    "com.wf.wellsfargomobile",
    "com.bankofamerica.cashpromobile",
    "com.tinder",
    "com.bumble.app",
    "com.lyft.android",
    "com.doordash.driverapp",
    "com.grubhub.android",
    "com.hulu.plus",
    "com.disney.disneyplus",
    "com.amazon.avod.thirdpartyclient",
    "com.pandora.android",
    "com.audible.application",
    "com.weather.Weather",
    "com.accuweather.android",
    "com.nytimes.android",
    "flipboard.app",
    "com.strava",
    "com.myfitnesspal.android",
    "com.calm.android",
    "com.headspace.android",
)
SYSTEM_APPS = (
    "android",
    "com.android.settings",
    "com.android.systemui",
    "com.android.phone",
    "com.android.chrome",
    "com.google.android.gms",
    "com.google.android.gsf",
    "com.android.vending",
    "com.google.android.apps.maps",
    "com.google.android.gm",
    "com.google.android.youtube",
    "com.google.android.apps.photos",
    "com.google.android.dialer",
    "com.google.android.apps.messaging",
    "com.google.android.contacts",
    "com.google.android.calendar",
    "com.google.android.deskclock",
    "com.google.android.calculator",
    "com.google.android.googlequicksearchbox",
    "com.google.android.inputmethod.latin",
    "com.google.android.apps.nexuslauncher",
    "com.google.android.packageinstaller",
    "com.google.android.permissioncontroller",
    "com.android.providers.media",
    "com.android.providers.contacts",
    "com.android.providers.telephony",
    "com.android.providers.downloads",
    "com.android.bluetooth",
    "com.android.nfc",
    "com.android.shell",
    "com.android.printspooler",
    "com.android.camera2",
)


@dataclass
class App:
    package: str
    installer: str = STORE
    system: bool = False
    uid: int = 0
    granted: tuple[str, ...] = ("android.permission.INTERNET",)
    launcher: bool = True
    accessibility: str = ""  # service class, when enabled
    notification_listener: str = ""
    device_admin: str = ""  # receiver class, when an enabled admin
    apk: bytes | None = None
    installed: str = "2025-03-02 10:04:11"

    @property
    def path(self) -> str:
        if self.system:
            return f"/system/priv-app/{self.package.rsplit('.', 1)[-1]}/{self.package.rsplit('.', 1)[-1]}.apk"
        token = hashlib.sha256(self.package.encode()).hexdigest()[:16]
        return f"/data/app/~~{token}==/{self.package}-{token[::-1]}==/base.apk"

    @property
    def folder(self) -> str:
        return self.path.rsplit("/", 1)[0]


@dataclass
class Phone:
    apps: list[App]
    version: str = "14"  # "14" or "7"
    model: str = "Pixel 7"
    manufacturer: str = "Google"
    patch: str = "2026-10-05"
    accounts: list[tuple[str, str]] = field(default_factory=lambda: [("person@gmail.com", "com.google")])
    location_uses: dict[str, str] = field(default_factory=dict)  # package → "bg" or "fg"
    secure: dict[str, str] = field(default_factory=dict)
    global_settings: dict[str, str] = field(default_factory=dict)
    rooted: bool = False

    def __post_init__(self) -> None:
        next_uid = 10100
        for app in self.apps:
            if not app.uid:
                app.uid = 1000 if app.package == "android" else next_uid
                next_uid += 1

    @property
    def sdk(self) -> int:
        return 34 if self.version == "14" else 25


def common_apps(count: int = 200) -> list[App]:
    """A believable phone: system apps, then popular store apps, then numbered store apps."""
    apps = [
        App(p, installer="", system=True, launcher=p in ("com.android.settings", "com.android.chrome"))
        for p in SYSTEM_APPS
    ]
    apps += [App(p) for p in COMMON_APPS]
    filler = 0
    while len(apps) < count:
        apps.append(App(f"com.example.store.app{filler:03d}"))
        filler += 1
    for app in apps:
        if app.package == "com.google.android.gms":
            app.device_admin = "com.google.android.gms.mdm.receivers.MdmDeviceAdminReceiver"
    return apps[:count]


# The outputs ------------------------------------------------------------------------------------------
def getprop(phone: Phone) -> str:
    props = {
        "ro.product.model": phone.model,
        "ro.product.manufacturer": phone.manufacturer,
        "ro.product.brand": phone.manufacturer.lower(),
        "ro.product.device": "panther",
        "ro.build.version.release": phone.version,
        "ro.build.version.sdk": str(phone.sdk),
        "ro.build.version.security_patch": phone.patch,
        "ro.build.tags": "release-keys",
        "ro.build.type": "user",
        "ro.debuggable": "0",
        "ro.serialno": "28161FDH2004XY",
        "ro.build.fingerprint": f"google/panther/panther:{phone.version}/AP2A/12:user/release-keys",
        "persist.sys.timezone": "America/Chicago",
    }
    return "".join(f"[{k}]: [{v}]\n" for k, v in sorted(props.items()))


def pm_packages(phone: Phone, with_uid: bool) -> str:
    lines = []
    for app in phone.apps:
        line = f"package:{app.path}={app.package}  installer={app.installer or 'null'}"
        lines.append(f"{line} uid:{app.uid}" if with_uid else line)
    return "\n".join(lines) + "\n"


def _package_block(app: Phone | App, phone: Phone) -> str:
    assert isinstance(app, App)
    flags = "SYSTEM HAS_CODE ALLOW_CLEAR_USER_DATA" if app.system else "HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP"
    digest = hashlib.md5(app.package.encode(), usedforsecurity=False).hexdigest()[:7]
    runtime = [p for p in app.granted if p != "android.permission.INTERNET"]
    out = [
        f"  Package [{app.package}] ({digest}):",
        f"    {'appId' if phone.version == '14' else 'userId'}={app.uid}",
        f"    pkg=Package{{{digest[::-1]} {app.package}}}",
        f"    codePath={app.folder}",
        f"    resourcePath={app.folder}",
        "    versionCode=1021 minSdk=24 targetSdk=34",
        "    versionName=4.2.1",
        f"    flags=[ {flags} ]",
        f"    timeStamp={app.installed}",
    ]
    if phone.version == "7":
        out.append(f"    firstInstallTime={app.installed}")
    out += [f"    lastUpdateTime={app.installed}", f"    installerPackageName={app.installer or 'null'}"]
    if phone.version == "7":
        out.append("    requested permissions:")
        out += [f"      {p}" for p in app.granted]
    out += ["    install permissions:", "      android.permission.INTERNET: granted=true"]
    user = (
        "    User 0: ceDataInode=1048610 installed=true hidden=false suspended=false distractionFlags=0 stopped=false "
        "notLaunched=false enabled=0 instant=false virtual=false"
        if phone.version == "14"
        else "    User 0: ceDataInode=1048610 installed=true hidden=false suspended=false stopped=false "
        "notLaunched=false enabled=0"
    )
    out.append(user)
    if phone.version == "14":
        out += ["      installReason=0", f"      firstInstallTime={app.installed}", "      uninstallReason=0"]
    out.append("      runtime permissions:")
    out += [f"        {p}: granted=true, flags=[ USER_SET|USER_SENSITIVE_WHEN_GRANTED ]" for p in runtime]
    return "\n".join(out) + "\n  \n"


def dumpsys_package(phone: Phone) -> str:
    head = (
        "Database versions:\n  Internal:\n"
        f"    sdkVersion={phone.sdk} databaseVersion=3\n  External:\n    sdkVersion={phone.sdk} databaseVersion=3\n\n"
        "Verifiers:\n  Required: com.android.vending (uid=10149)\n\nPackages:\n"
    )
    return head + "".join(_package_block(app, phone) for app in phone.apps) + "\nHidden system packages:\n"


def launcher(phone: Phone) -> str:
    apps = [a for a in phone.apps if a.launcher]
    out = [f"{len(apps)} activities found:"]
    for index, app in enumerate(apps):
        out += [
            f"  Activity #{index}:",
            "    priority=0 preferredOrder=0 match=0x108000 specificIndex=-1 isDefault=false",
            f"    {app.package}/.MainActivity",
        ]
    return "\n".join(out) + "\n"


def device_policy(phone: Phone) -> str:
    out = ["Current Device Policy Manager state:", "  Enabled Device Admins (User 0, provisioningState: 3):"]
    for app in phone.apps:
        if app.device_admin:
            out += [
                f"    {app.package}/{app.device_admin}:",
                f"      uid={app.uid}",
                "      testOnlyAdmin=false",
                "      policies:",
                "        force-lock",
                "        wipe-data",
                "  ",
            ]
    out += ["  ", "    mPasswordOwner=-1", "  Encryption Status: per-user"]
    return "\n".join(out) + "\n"


def settings_secure(phone: Phone) -> str:
    values = {
        "android_id": "3f2a9c1b7e6d5a40",
        "location_mode": "3",
        "enabled_accessibility_services": ":".join(
            f"{a.package}/{a.accessibility}" for a in phone.apps if a.accessibility
        )
        or "null",
        "enabled_notification_listeners": ":".join(
            f"{a.package}/{a.notification_listener}" for a in phone.apps if a.notification_listener
        )
        or "null",
        "install_non_market_apps": "0",
        **phone.secure,
    }
    return "".join(f"{k}={v}\n" for k, v in values.items())


def settings_global(phone: Phone) -> str:
    values = {
        "adb_enabled": "1",
        "development_settings_enabled": "1",
        "package_verifier_user_consent": "1",
        "airplane_mode_on": "0",
        **phone.global_settings,
    }
    return "".join(f"{k}={v}\n" for k, v in values.items())


def connectivity(phone: Phone) -> str:
    return (
        "NetworkProviders for:\n  WifiNetworkAgent\n\nActive default network: 100\n\nCurrent Networks:\n"
        "  NetworkAgentInfo{network{100}  handle{432902426637}  ni{WIFI CONNECTED extra: }  Score(70 ; Policies : "
        "IS_VALIDATED&IS_UNMETERED)  created 2026-11-27T09:12:01.101Z lp{{InterfaceName: wlan0 LinkAddresses: [ ] }} "
        "nc{[ Transports: WIFI Capabilities: NOT_METERED&INTERNET&NOT_RESTRICTED&TRUSTED&NOT_VPN&VALIDATED ]}}\n"
    )


def appops(phone: Phone) -> str:
    out = ["Current AppOps Service state:", "  Settings:", "    top_state_settle_time=+5s0ms", ""]
    for app in phone.apps:
        state = phone.location_uses.get(app.package)
        if not state:
            continue
        out += [
            f"  Uid u0a{app.uid - 10000}:",
            "    state=cch",
            f"    Package {app.package}:",
            "      FINE_LOCATION (allow):",
            "        null=[",
            f"          Access: [{state}-s] 2026-11-27 08:40:12.115 (-1h2m3s4ms)",
            "        ]",
        ]
    return "\n".join(out) + "\n"


def accounts(phone: Phone) -> str:
    out = ["User UserInfo{0:Owner:4c13}:", f"  Accounts: {len(phone.accounts)}"]
    out += [f"    Account {{name={name}, type={kind}}}" for name, kind in phone.accounts]
    out += [
        "  ",
        "  AccountId, Action_Type, timestamp, UID, TableName, Key",
        "  Accounts History",
        "  ",
        "  Active Sessions: 0",
        "  ",
        "  RegisteredServicesCache: 1 services",
        "    ServiceInfo: AuthenticatorDescription {type=com.google}, ComponentInfo{com.google.android.gms/"
        "com.google.android.gms.auth.authzen.GoogleAccountAuthenticatorService}, uid 10174",
        "  ",
    ]
    if phone.version == "14":
        out.append("  Account visibility:")
    return "\n".join(out) + "\n"


def su_paths(phone: Phone) -> str:
    paths = ANDROID["su-paths"].argv[2:]
    lines = []
    for path in paths:
        if phone.rooted and path == "/system/xbin/su":
            lines.append(f"-rwsr-sr-x 1 root root 75348 2024-01-01 00:00 {path}")
        else:
            lines.append(f"ls: {path}: No such file or directory")
    return "\n".join(lines) + "\n"


def outputs(phone: Phone) -> dict[str, str]:
    """Allow-listed command line → what this phone prints."""
    cmd = lambda key, **p: command_line(ANDROID, key, **p)  # noqa: E731
    out = {
        cmd("getprop"): getprop(phone),
        cmd("pm-users"): "Users:\n\tUserInfo{0:Owner:c13} running\n",
        cmd("dumpsys-package"): dumpsys_package(phone),
        cmd("launcher-activities"): launcher(phone),
        cmd("device-policy"): device_policy(phone),
        cmd("settings-secure"): settings_secure(phone),
        cmd("settings-global"): settings_global(phone),
        cmd("connectivity"): connectivity(phone),
        cmd("appops"): appops(phone),
        cmd("accounts"): accounts(phone),
        cmd("su-paths"): su_paths(phone),
        cmd("which-su"): "/system/xbin/su\n" if phone.rooted else "",
    }
    if phone.version == "7":
        out[cmd("pm-packages", user="0")] = "Error: Unknown option: -U\n"  # and exit status 0, as 7.x does
        out[cmd("pm-packages-old", user="0")] = pm_packages(phone, with_uid=False)
    else:
        out[cmd("pm-packages", user="0")] = pm_packages(phone, with_uid=True)
    return out


# Real-phone timings (bench/): dumpsys package is slow on a phone with many apps.
LATENCIES = {
    "dumpsys package": 3.0,
    "dumpsys appops": 1.0,
    "dumpsys connectivity": 0.8,
    "dumpsys account": 0.4,
    "dumpsys device_policy": 0.5,
}


def scenario(phone: Phone, latencies: dict[str, float] | None = None, **kwargs) -> Scenario:
    delays = latencies or {}
    commands = {
        line: Response(text, delay=delays.get(line, 0.2 if delays else 0.0)) for line, text in outputs(phone).items()
    }
    files = {app.path: app.apk for app in phone.apps if app.apk is not None}
    banner = {"ro.product.name": "panther", "ro.product.model": phone.model, "ro.product.device": "panther"}
    return Scenario(banner=banner, commands=commands, files=files, **kwargs)
