"""Scenario iPhones for the fake usbmuxd / lockdownd (tests/fakeios), with the keys and value types real
iPhones send (../shared/reference/ios-lockdown-facts.md): lockdown values of facts 1.1, the backup and
wireless_lockdown domains, installation_proxy records (Info.plist keys plus the computed ones), MCInstall
profile lists, and provisioning profiles wrapped in CMS.

Every builder returns a Scenario (or a list of them, for usbmuxd with zero or two phones):

    clean_iphone(apps=100)            iOS 26.1, App Store apps + system apps, trusted, backups encrypted
    hostile_iphone(long=False)        clean, but the DeviceName is markup (or 5,000 characters of it)
    managed_iphone()                  iOS 16.7.10, MDM + VPN profiles, supervised, sideloaded apps, Life360
    jailbroken_iphone()               iOS 14.8 with checkra1n: Cydia, Sileo, Filza, afc2
    untrusted_iphone(mode)            not paired yet: "pending", "pending-then-accept", "denied", "locked"
    locked_services_iphone()          trusted, but locked with a passcode: StartService -> PasswordProtected
    older_iphone()                    iPhone 6 on iOS 12.5.7, no MCInstall service
    unplugged_iphone()                installation_proxy's Browse stops after 3 chunks: the cable is pulled
    no_iphone(), two_iphones()        for usbmuxd's ListDevices

App lists are generated from tables, so a phone with 150 apps is a parameter.
"""

from __future__ import annotations

import hashlib
import plistlib
import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from fakeios import AFC2, ALL_SERVICES, MCINSTALL, Profile, Scenario, Service, default_services
from fakeios.protocol import developer_certificate
from pymobiledevice3.irecv_devices import IRECV_DEVICES

APP_STORE = "Apple iPhone OS Application Signing"
TESTFLIGHT = "TestFlight Beta Distribution"
COCOA_EPOCH = datetime(2001, 1, 1)
SCAN_DAY = datetime(2025, 9, 1, 14, 30)

HOSTILE_NAME = "<script>alert(1)</script>’s iPhone"
LONG_HOSTILE_NAME = (HOSTILE_NAME + " \u202e<img src=x onerror=alert(2)>&amp;") * 100
LONG_HOSTILE_NAME = LONG_HOSTILE_NAME[:5000]

# Background modes and usage strings as apps declare them in Info.plist
PUSH = ("remote-notification",)
MESSAGING = ("audio", "fetch", "remote-notification", "voip")
AUDIO = ("audio", "fetch", "remote-notification")
NAVIGATION = ("audio", "fetch", "location", "remote-notification")


@dataclass(frozen=True)
class StoreApp:
    """An App Store app, enough to build the record installation_proxy returns for it."""

    bundle_id: str
    name: str
    vendor: str
    version: str
    genre: str = "Utilities"
    background: tuple[str, ...] = PUSH
    location: str | None = None  # NSLocationAlwaysAndWhenInUseUsageDescription
    item_id: int | None = None  # the App Store id
    team: str | None = None  # default: derived from the vendor
    entitlements: tuple[tuple[str, Any], ...] = ()
    min_os: str = "16.0"

    @property
    def executable(self) -> str:
        return re.sub(r"[^A-Za-z0-9]", "", self.name) or "App"


# fmt: off
STORE_APPS: tuple[StoreApp, ...] = (
    StoreApp("net.whatsapp.WhatsApp", "WhatsApp", "WhatsApp Inc.", "25.16.81", "Social Networking",
             (*MESSAGING, "location", "processing"), "Share your live location with friends in a chat.", 310633997),
    StoreApp("com.burbn.instagram", "Instagram", "Instagram, Inc.", "379.0.0", "Photo & Video", AUDIO, None, 389801252),
    StoreApp("com.facebook.Facebook", "Facebook", "Meta Platforms, Inc.", "512.0.0", "Social Networking",
             (*AUDIO, "location"), "Facebook uses your location for nearby friends and check-ins.", 284882215),
    StoreApp("com.facebook.Messenger", "Messenger", "Meta Platforms, Inc.", "501.0.0", "Social Networking",
             MESSAGING, None, 454638411),
    StoreApp("com.google.ios.youtube", "YouTube", "Google LLC", "20.22.1", "Photo & Video", AUDIO, None, 544007664),
    StoreApp("com.google.Gmail", "Gmail", "Google LLC", "6.0.250601", "Productivity", PUSH, None, 422689480),
    StoreApp("com.google.Maps", "Google Maps", "Google LLC", "25.22.1", "Navigation", NAVIGATION,
             "Google Maps uses your location for navigation and Timeline.", 585027354),
    StoreApp("com.google.chrome.ios", "Chrome", "Google LLC", "137.0.7151.79", "Utilities", PUSH, None, 535886823),
    StoreApp("com.google.photos", "Google Photos", "Google LLC", "7.31.0", "Photo & Video", ("fetch", "processing")),
    StoreApp("com.google.Drive", "Google Drive", "Google LLC", "4.2025.22", "Productivity"),
    StoreApp("com.google.GoogleMobile", "Google", "Google LLC", "372.0", "Utilities", AUDIO),
    StoreApp("com.google.Translate", "Google Translate", "Google LLC", "9.3.0", "Reference"),
    StoreApp("com.google.calendar", "Google Calendar", "Google LLC", "25.21.0", "Productivity"),
    StoreApp("com.google.Authenticator", "Google Authenticator", "Google LLC", "4.2.1", "Utilities", ()),
    StoreApp("com.spotify.client", "Spotify", "Spotify", "9.0.48", "Music", AUDIO, None, 324684580),
    StoreApp("com.netflix.Netflix", "Netflix", "Netflix, Inc.", "17.21.0", "Entertainment", AUDIO, None, 363590051),
    StoreApp("ph.telegra.Telegraph", "Telegram", "Telegram FZ-LLC", "11.12", "Social Networking",
             (*MESSAGING, "location"), "Telegram shares your live location while you allow it.", 686449807),
    StoreApp("com.toyopagroup.picaboo", "Snapchat", "Snap, Inc.", "13.45.0", "Photo & Video",
             (*AUDIO, "location"), "Snap Map shows your location to the friends you choose.", 447188370),
    StoreApp("com.zhiliaoapp.musically", "TikTok", "TikTok Ltd.", "40.2.0", "Entertainment", AUDIO, None, 835599320),
    StoreApp("com.ubercab.UberClient", "Uber", "Uber Technologies, Inc.", "3.665.10001", "Travel",
             ("fetch", "location", "remote-notification"), "Uber uses your location to find your pickup point.",
             368677368),
    StoreApp("com.amazon.Amazon", "Amazon Shopping", "AMZN Mobile LLC", "25.11.2", "Shopping"),
    StoreApp("com.atebits.Tweetie2", "X", "X Corp.", "10.96", "News", AUDIO),
    StoreApp("com.duolingo.DuolingoMobile", "Duolingo", "Duolingo", "7.97.0", "Education"),
    StoreApp("com.microsoft.skype.teams", "Microsoft Teams", "Microsoft Corporation", "7.10.1", "Business", MESSAGING),
    StoreApp("com.microsoft.Office.Outlook", "Microsoft Outlook", "Microsoft Corporation", "5.2522.0", "Productivity"),
    StoreApp("us.zoom.videomeetings", "Zoom Workplace", "Zoom Communications, Inc.", "6.5.1", "Business", MESSAGING),
    StoreApp("com.yourcompany.PPClient", "PayPal", "PayPal, Inc.", "8.84.0", "Finance"),
    StoreApp("net.kortina.labs.Venmo", "Venmo", "PayPal, Inc.", "10.64.0", "Finance"),
    StoreApp("pinterest", "Pinterest", "Pinterest", "13.22.0", "Lifestyle"),
    StoreApp("com.reddit.Reddit", "Reddit", "reddit inc.", "2025.22.0", "News", AUDIO),
    StoreApp("com.linkedin.LinkedIn", "LinkedIn", "LinkedIn Corporation", "9.31.52", "Business"),
    StoreApp("com.hammerandchisel.discord", "Discord", "Discord, Inc.", "283.0", "Social Networking", MESSAGING),
    StoreApp("org.whispersystems.signal", "Signal", "Signal Messenger, LLC", "7.58", "Social Networking", MESSAGING),
    StoreApp("com.getdropbox.Dropbox", "Dropbox", "Dropbox, Inc.", "423.2", "Productivity", ("fetch", "processing")),
    StoreApp("com.microsoft.skydrive", "OneDrive", "Microsoft Corporation", "15.22.1", "Productivity"),
    StoreApp("com.shazam.Shazam", "Shazam", "Apple Inc.", "18.5.0", "Music", ("audio",)),
    StoreApp("com.waze.iphone", "Waze", "Waze Inc.", "5.7.0", "Navigation", NAVIGATION,
             "Waze uses your location to guide you and report traffic."),
    StoreApp("com.airbnb.app", "Airbnb", "Airbnb, Inc.", "25.22", "Travel"),
    StoreApp("com.booking.BookingApp", "Booking.com", "Booking.com", "52.4", "Travel"),
    StoreApp("com.ebay.iphone", "eBay", "eBay Inc.", "6.203.0", "Shopping"),
    StoreApp("com.etsy.etsyforios", "Etsy", "Etsy, Inc", "7.38", "Shopping"),
    StoreApp("com.adobe.Adobe-Reader", "Adobe Acrobat", "Adobe Inc.", "25.05.00", "Productivity"),
    StoreApp("com.microsoft.Office.Word", "Microsoft Word", "Microsoft Corporation", "2.97", "Productivity"),
    StoreApp("com.microsoft.Office.Excel", "Microsoft Excel", "Microsoft Corporation", "2.97", "Productivity"),
    StoreApp("com.squareup.cash", "Cash App", "Block, Inc.", "4.87", "Finance"),
    StoreApp("com.chase", "Chase", "JPMorgan Chase & Co.", "5.24", "Finance"),
    StoreApp("com.wellsfargo.net.mobilebanking", "Wells Fargo", "Wells Fargo", "25.5", "Finance"),
    StoreApp("com.bankofamerica.BofA", "Bank of America", "Bank of America", "24.12", "Finance"),
    StoreApp("com.cardify.tinder", "Tinder", "Tinder LLC", "16.10.0", "Lifestyle", (*PUSH, "location"),
             "Tinder uses your location to show potential matches nearby."),
    StoreApp("com.moxco.bumble", "Bumble", "Bumble Inc.", "5.410", "Social Networking"),
    StoreApp("com.zimride.instant", "Lyft", "Lyft, Inc.", "15.44", "Travel",
             ("fetch", "location", "remote-notification"), "Lyft uses your location to match you with drivers."),
    StoreApp("com.dd.doordash", "DoorDash", "DoorDash, Inc.", "5.195", "Food & Drink"),
    StoreApp("com.grubhub.search", "Grubhub", "Grubhub Holdings Inc.", "2025.21", "Food & Drink"),
    StoreApp("com.hulu.plus", "Hulu", "Disney", "11.5", "Entertainment", AUDIO),
    StoreApp("com.disney.disneyplus", "Disney+", "Disney", "4.8", "Entertainment", AUDIO),
    StoreApp("com.amazon.aiv.AIVApp", "Prime Video", "AMZN Mobile LLC", "9.23", "Entertainment", AUDIO),
    StoreApp("com.pandora", "Pandora", "Pandora Media, LLC", "2505.1", "Music", AUDIO),
    StoreApp("com.audible.iphone", "Audible", "Audible, Inc.", "4.33", "Books", AUDIO),
    StoreApp("com.weather.TWC", "The Weather Channel", "The Weather Company", "24.22", "Weather",
             ("fetch", "location", "remote-notification"), "Your location is used for local forecasts and alerts."),
    StoreApp("com.nytimes.NYTimes", "NYTimes", "The New York Times Company", "10.76", "News"),
    StoreApp("com.flipboard.flipboard-ipad", "Flipboard", "Flipboard Inc.", "4.3.32", "News"),
    StoreApp("com.strava.stravaride", "Strava", "Strava Inc.", "395.0", "Health & Fitness",
             ("audio", "bluetooth-central", "location", "remote-notification"), "Strava records your activities."),
    StoreApp("com.myfitnesspal.mfp", "MyFitnessPal", "MyFitnessPal, Inc.", "25.22", "Health & Fitness"),
    StoreApp("com.calm.calmapp", "Calm", "Calm.com, Inc.", "6.67", "Health & Fitness", AUDIO),
    StoreApp("com.getsomeheadspace.headspace", "Headspace", "Headspace Inc.", "4.233", "Health & Fitness", AUDIO),
    StoreApp("com.starbucks.mystarbucks", "Starbucks", "Starbucks Coffee Company", "6.89", "Food & Drink"),
    StoreApp("com.mcdonalds.mobileapp", "McDonald's", "McDonald's USA, LLC", "8.32", "Food & Drink"),
    StoreApp("com.walmart.electronics", "Walmart", "Walmart", "25.22", "Shopping"),
    StoreApp("com.capitalone.enterprisemobilebanking", "Capital One", "Capital One", "2025.22", "Finance"),
    StoreApp("com.vilcsak.bitcoin2", "Coinbase", "Coinbase, Inc.", "13.12", "Finance"),
    StoreApp("com.robinhood.release.Robinhood", "Robinhood", "Robinhood Markets, Inc.", "2025.22", "Finance"),
    StoreApp("com.yelp.yelpiphone", "Yelp", "Yelp", "25.22", "Food & Drink"),
    StoreApp("com.tripadvisor.LocalPicks", "Tripadvisor", "TripAdvisor LLC", "66.4", "Travel"),
    StoreApp("com.expedia.booking", "Expedia", "Expedia, Inc.", "25.21", "Travel"),
    StoreApp("com.united.UnitedCustomerFacingIPhone", "United Airlines", "United Airlines", "5.1.84", "Travel"),
    StoreApp("com.delta.iphone.ver1", "Fly Delta", "Delta Air Lines, Inc.", "6.13", "Travel"),
    StoreApp("com.skype.skype", "Skype", "Skype Communications S.a.r.l", "8.140", "Social Networking", MESSAGING),
    StoreApp("com.viber", "Viber", "Viber Media SARL.", "25.8", "Social Networking", MESSAGING),
    StoreApp("com.tencent.xin", "WeChat", "WeChat", "8.0.60", "Social Networking", (*MESSAGING, "location"),
             "WeChat shares your location when you choose to."),
    StoreApp("jp.naver.line", "LINE", "LY Corporation", "15.8.0", "Social Networking", MESSAGING),
    StoreApp("com.burbn.barcelona", "Threads", "Instagram, Inc.", "388.0", "Social Networking"),
    StoreApp("AlexisBarreyat.BeReal", "BeReal.", "BeReal", "4.22", "Social Networking"),
    StoreApp("com.vsco.cam", "VSCO", "VSCO", "441", "Photo & Video"),
    StoreApp("com.lemon.lvoverseas", "CapCut", "Bytedance Pte. Ltd", "15.1", "Photo & Video"),
    StoreApp("com.canva.canvaeditor", "Canva", "Canva", "3.315", "Graphics & Design"),
    StoreApp("com.adobe.lrmobile", "Lightroom", "Adobe Inc.", "10.4", "Photo & Video"),
    StoreApp("com.evernote.iPhone.Evernote", "Evernote", "Evernote Corporation", "10.140", "Productivity"),
    StoreApp("notion.id", "Notion", "Notion Labs, Incorporated", "1.7.73", "Productivity"),
    StoreApp("com.1password.1password", "1Password", "AgileBits Inc.", "8.10.80", "Productivity", ()),
    StoreApp("com.tinyspeck.chatlyio", "Slack", "Slack Technologies, Inc.", "25.05", "Business", MESSAGING),
    StoreApp("com.nianticlabs.pokemongo", "Pokémon GO", "Niantic, Inc.", "0.365", "Games",
             ("fetch", "location", "remote-notification"), "Pokémon GO uses your location to show nearby Pokémon."),
    StoreApp("com.king.candycrushsaga", "Candy Crush Saga", "King", "1.306", "Games"),
    StoreApp("com.supercell.magic", "Clash of Clans", "Supercell", "17.178", "Games"),
    StoreApp("com.roblox.robloxmobile", "Roblox", "Roblox Corporation", "2.677", "Games", MESSAGING),
    StoreApp("com.mojang.minecraftpe", "Minecraft", "Mojang", "1.21.81", "Games"),
    StoreApp("com.innersloth.amongus", "Among Us!", "Innersloth LLC", "2025.5.20", "Games"),
    StoreApp("com.fitbit.FitbitMobile", "Fitbit", "Fitbit, Inc.", "4.40", "Health & Fitness",
             ("bluetooth-central", "fetch", "remote-notification")),
    StoreApp("com.garmin.connect.mobile", "Garmin Connect", "Garmin", "5.12", "Health & Fitness",
             ("bluetooth-central", "fetch", "location", "remote-notification"), "Used for live tracking and safety."),
    StoreApp("com.ring.ring", "Ring", "Ring LLC", "5.72", "Lifestyle"),
    StoreApp("com.google.Chromecast", "Google Home", "Google LLC", "3.33", "Lifestyle"),
    StoreApp("com.amazon.echo", "Amazon Alexa", "AMZN Mobile LLC", "2025.11", "Lifestyle", AUDIO),
    StoreApp("com.microsoft.azureauthenticator", "Authenticator", "Microsoft Corporation", "6.8.27", "Business", ()),
    StoreApp("com.zillow.ZillowMap", "Zillow", "Zillow, Inc.", "25.22", "Lifestyle"),
    StoreApp("com.nike.omega", "Nike", "Nike, Inc", "25.21", "Shopping"),
    StoreApp("zzkko.com.ZZKKO", "SHEIN", "Roadget Business PTE. LTD.", "12.7", "Shopping"),
    StoreApp("com.einnovation.temu", "Temu", "Temu", "3.67", "Shopping"),
    StoreApp("tv.twitch", "Twitch", "Twitch Interactive, Inc.", "25.10", "Entertainment", AUDIO),
    StoreApp("com.soundcloud.TouchApp", "SoundCloud", "SoundCloud", "8.24", "Music", AUDIO),
    StoreApp("com.hbo.hbonow", "Max", "WarnerMedia Global Digital Services, LLC", "5.10", "Entertainment", AUDIO),
    StoreApp("com.creditkarma.mobile", "Credit Karma", "Credit Karma, LLC", "25.22", "Finance"),
    StoreApp("com.apple.Pages", "Pages", "Apple Inc.", "14.4", "Productivity", ()),
    StoreApp("com.apple.Keynote", "Keynote", "Apple Inc.", "14.4", "Productivity", ()),
    StoreApp("com.apple.Numbers", "Numbers", "Apple Inc.", "14.4", "Productivity", ()),
    StoreApp("com.apple.iMovie", "iMovie", "Apple Inc.", "3.5.3", "Photo & Video", ()),
)
# fmt: on

# (bundle id, display name, executable, first iOS major that ships it)
SYSTEM_APPS: tuple[tuple[str, str, str, int], ...] = (
    ("com.apple.mobilesafari", "Safari", "MobileSafari", 1),
    ("com.apple.MobileSMS", "Messages", "MobileSMS", 1),
    ("com.apple.mobilephone", "Phone", "MobilePhone", 1),
    ("com.apple.mobilemail", "Mail", "MobileMail", 1),
    ("com.apple.camera", "Camera", "Camera", 1),
    ("com.apple.mobileslideshow", "Photos", "MobileSlideShow", 1),
    ("com.apple.Preferences", "Settings", "Preferences", 1),
    ("com.apple.AppStore", "App Store", "AppStore", 2),
    ("com.apple.Maps", "Maps", "Maps", 6),
    ("com.apple.findmy", "Find My", "FindMy", 13),
    ("com.apple.Health", "Health", "Health", 8),
    ("com.apple.mobilecal", "Calendar", "MobileCal", 1),
    ("com.apple.MobileAddressBook", "Contacts", "MobileAddressBook", 1),
    ("com.apple.mobilenotes", "Notes", "MobileNotes", 1),
    ("com.apple.reminders", "Reminders", "Reminders", 5),
    ("com.apple.mobiletimer", "Clock", "MobileTimer", 1),
    ("com.apple.weather", "Weather", "Weather", 1),
    ("com.apple.facetime", "FaceTime", "FaceTime", 7),
    ("com.apple.Passbook", "Wallet", "Passbook", 6),
    ("com.apple.shortcuts", "Shortcuts", "Shortcuts", 13),
    ("com.apple.Music", "Music", "Music", 8),
    ("com.apple.podcasts", "Podcasts", "Podcasts", 8),
    ("com.apple.tv", "TV", "AppleTV", 10),
    ("com.apple.iBooks", "Books", "Books", 8),
    ("com.apple.calculator", "Calculator", "Calculator", 1),
    ("com.apple.VoiceMemos", "Voice Memos", "VoiceMemos", 3),
    ("com.apple.compass", "Compass", "Compass", 3),
    ("com.apple.measure", "Measure", "Measure", 12),
    ("com.apple.tips", "Tips", "Tips", 8),
    ("com.apple.Bridge", "Watch", "Bridge", 8),
    ("com.apple.DocumentsApp", "Files", "DocumentsApp", 11),
    ("com.apple.Home", "Home", "Home", 10),
    ("com.apple.Fitness", "Fitness", "Fitness", 14),
    ("com.apple.Translate", "Translate", "Translate", 14),
    ("com.apple.Passwords", "Passwords", "Passwords", 18),
)
# Apps that are part of iOS but never launched from the home screen (hidden unless ShowLaunchProhibitedApps)
LAUNCH_PROHIBITED_APPS: tuple[tuple[str, str, str], ...] = (
    ("com.apple.SafariViewService", "SafariViewService", "SafariViewService"),
    ("com.apple.AccountAuthenticationDialog", "AccountAuthenticationDialog", "AccountAuthenticationDialog"),
    ("com.apple.PassbookUIService", "PassbookUIService", "PassbookUIService"),
    ("com.apple.ScreenTimeUnlock", "ScreenTimeUnlock", "ScreenTimeUnlock"),
)
KNOWN_TEAMS = {"Google LLC": "EQHXZ8M8AV", "Microsoft Corporation": "UBF8T346G9", "Apple Inc.": "K36BKF7T3D"}
GENRE_IDS = {
    "Books": 6018, "Business": 6000, "Education": 6017, "Entertainment": 6016, "Finance": 6015, "Food & Drink": 6023,
    "Games": 6014, "Graphics & Design": 6027, "Health & Fitness": 6013, "Lifestyle": 6012, "Music": 6011,
    "Navigation": 6010, "News": 6009, "Photo & Video": 6008, "Productivity": 6007, "Reference": 6006,
    "Shopping": 6024, "Social Networking": 6005, "Travel": 6003, "Utilities": 6002, "Weather": 6001,
}  # fmt: skip


# --- Small deterministic helpers ---------------------------------------------------------------------------------


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("/".join(parts).encode()).digest()


def _uuid(*parts: str) -> str:
    return str(uuid.UUID(bytes=_digest(*parts)[:16], version=4)).upper()


def _number(digits: int, *parts: str) -> int:
    return int.from_bytes(_digest(*parts)[:8], "big") % (9 * 10 ** (digits - 1)) + 10 ** (digits - 1)


def team_id(vendor: str) -> str:
    """A 10-character Apple team identifier (the real one for a few vendors, else derived from the name)."""
    if vendor in KNOWN_TEAMS:
        return KNOWN_TEAMS[vendor]
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(alphabet[b % len(alphabet)] for b in _digest("team", vendor)[:10])


def cocoa(when: datetime) -> float:
    """Seconds since 2001-01-01: how lockdown's backup domain stores dates."""
    return (when - COCOA_EPOCH).total_seconds()


# --- App records -------------------------------------------------------------------------------------------------


def _itunes_metadata(app: StoreApp, *, testflight: bool = False) -> bytes:
    """The raw bytes of the bundle's iTunesMetadata.plist (only with ReturnAttributes: iTunesMetadata)."""
    item_id = app.item_id or _number(10, "item", app.bundle_id)
    metadata: dict[str, Any] = {
        "artistId": _number(9, "artist", app.vendor),
        "artistName": app.vendor,
        "bundleDisplayName": app.name,
        "bundleShortVersionString": app.version,
        "bundleVersion": _build_number(app),
        "com.apple.iTunesStore.downloadInfo": {
            "accountInfo": {
                "AltDSID": "001822.4b8f2a1c9d0e4f5a8b7c6d5e4f3a2b1c.1407",
                "AppleID": "alex.rivera@icloud.com",
                "DSPersonID": 1723904865,
                "DownloaderID": 0,
                "FamilyID": 0,
                "FirstName": "Alex",
                "LastName": "Rivera",
                "PurchaserID": 1723904865,
                "UserName": "alex.rivera@icloud.com",
            },
            "purchaseDate": "2024-03-11T18:22:05Z",
        },
        "genre": app.genre,
        "genreId": GENRE_IDS.get(app.genre, 6002),
        "itemId": item_id,
        "itemName": app.name,
        "kind": "software",
        "releaseDate": "2012-05-04T07:00:00Z",
        "s": 143441,
        "softwareVersionBundleId": app.bundle_id,
        "softwareVersionExternalIdentifier": _number(9, "extid", app.bundle_id, app.version),
        "sourceApp": "com.apple.TestFlight" if testflight else "com.apple.AppStore",
        "storeCohort": "10|date=1710180000000&sf=143441&pgtp=Search&prpg=Search",
        "title": app.name,
        "variantID": "7",
    }
    if testflight:
        metadata["betaExternalVersionIdentifier"] = _number(8, "beta", app.bundle_id)
    return plistlib.dumps(metadata)


def _build_number(app: StoreApp) -> str:
    return str(_number(6, "build", app.bundle_id, app.version))


def user_app(
    app: StoreApp,
    udid: str,
    *,
    signer: str = APP_STORE,
    team: str | None = None,
    store: bool = True,
    testflight: bool = False,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The installation_proxy record of a user-installed app, expensive keys included."""
    team = team or app.team or team_id(app.vendor)
    bundle = f"/private/var/containers/Bundle/Application/{_uuid(udid, 'bundle', app.bundle_id)}"
    data = f"/private/var/mobile/Containers/Data/Application/{_uuid(udid, 'data', app.bundle_id)}"
    group = f"group.{app.bundle_id}"
    entitlements: dict[str, Any] = {
        "application-identifier": f"{team}.{app.bundle_id}",
        "com.apple.developer.team-identifier": team,
        "keychain-access-groups": [f"{team}.{app.bundle_id}"],
        "com.apple.security.application-groups": [group],
    }
    if "remote-notification" in app.background or "voip" in app.background:
        entitlements["aps-environment"] = "production"
    entitlements.update(dict(app.entitlements))
    record: dict[str, Any] = {
        "ApplicationType": "User",
        "BuildMachineOSBuild": "24E263",
        "CFBundleDevelopmentRegion": "en",
        "CFBundleDisplayName": app.name,
        "CFBundleExecutable": app.executable,
        "CFBundleIdentifier": app.bundle_id,
        "CFBundleInfoDictionaryVersion": "6.0",
        "CFBundleName": app.executable,
        "CFBundlePackageType": "APPL",
        "CFBundleShortVersionString": app.version,
        "CFBundleSupportedPlatforms": ["iPhoneOS"],
        "CFBundleVersion": _build_number(app),
        "CodeInfoIdentifier": app.bundle_id,
        "CompatibilityState": 0,
        "Container": data,
        "DTPlatformName": "iphoneos",
        "DTPlatformVersion": "18.4",
        "DTSDKName": "iphoneos18.4",
        "DTXcode": "1630",
        "Entitlements": entitlements,
        "EnvironmentVariables": {"CFFIXED_USER_HOME": data, "HOME": data, "TMPDIR": f"{data}/tmp"},
        "GroupContainers": {group: f"/private/var/mobile/Containers/Shared/AppGroup/{_uuid(udid, 'group', group)}"},
        "IsAppClip": False,
        "IsDemotedApp": False,
        "IsUpgradeable": True,
        "LSRequiresIPhoneOS": True,
        "MinimumOSVersion": app.min_os,
        "Path": f"{bundle}/{app.executable}.app",
        "SignatureVersion": 132352,
        "SignerIdentity": signer,
        "TeamIdentifier": team,
        "UIDeviceFamily": [1, 2],
        "UIRequiredDeviceCapabilities": ["arm64"],
        # expensive: only sent when named in ReturnAttributes
        "StaticDiskUsage": _number(9, "static", app.bundle_id),
        "DynamicDiskUsage": _number(8, "dynamic", app.bundle_id),
    }
    if app.background:
        record["UIBackgroundModes"] = list(app.background)
    if app.location:
        record["NSLocationAlwaysAndWhenInUseUsageDescription"] = app.location
        record["NSLocationWhenInUseUsageDescription"] = app.location
    if store or testflight:
        record["iTunesMetadata"] = _itunes_metadata(app, testflight=testflight)
        record["ApplicationSINF"] = b"\x00\x00\x04\x1csinf" + _digest("sinf", app.bundle_id) * 32
    record.update(extra or {})
    return record


def system_app(bundle_id: str, name: str, executable: str, version: str, **extra: Any) -> dict[str, Any]:
    """A built-in app in /Applications: ApplicationType System, no SignerIdentity, not upgradeable."""
    record: dict[str, Any] = {
        "ApplicationType": "System",
        "CFBundleDevelopmentRegion": "en",
        "CFBundleDisplayName": name,
        "CFBundleExecutable": executable,
        "CFBundleIdentifier": bundle_id,
        "CFBundleInfoDictionaryVersion": "6.0",
        "CFBundleName": name,
        "CFBundlePackageType": "APPL",
        "CFBundleShortVersionString": version,
        "CFBundleSupportedPlatforms": ["iPhoneOS"],
        "CFBundleVersion": "1.0",
        "CompatibilityState": 0,
        "Entitlements": {
            "application-identifier": bundle_id,
            "com.apple.private.security.container-required": True,
            "platform-application": True,
        },
        "IsAppClip": False,
        "IsDemotedApp": False,
        "IsUpgradeable": False,
        "MinimumOSVersion": version,
        "Path": f"/Applications/{executable}.app",
        "UIDeviceFamily": [1, 2],
    }
    if bundle_id in ("com.apple.Maps", "com.apple.findmy"):
        record["UIBackgroundModes"] = ["location", "remote-notification"]
    if bundle_id in ("com.apple.Music", "com.apple.podcasts"):
        record["UIBackgroundModes"] = ["audio", "fetch"]
    record.update(extra)
    return record


def system_apps(version: str, count: int = 30) -> list[dict[str, Any]]:
    major = int(version.split(".")[0])
    shipped = [(b, n, e) for b, n, e, first in SYSTEM_APPS if first <= major][:count]
    apps = [system_app(b, n, e, version) for b, n, e in shipped]
    apps += [system_app(b, n, e, version, LSApplicationLaunchProhibited=True) for b, n, e in LAUNCH_PROHIBITED_APPS]
    return apps


def store_apps(udid: str, count: int) -> list[dict[str, Any]]:
    """``count`` App Store apps: the popular ones first, then generated ones from small studios."""
    apps = [user_app(app, udid) for app in STORE_APPS[:count]]
    studios = ("Lumen Labs", "Okapi Studio", "Brightline Apps", "Northwind Software", "Kestrel Games")
    products = ("Notes", "Scanner", "Planner", "Puzzle", "Recipes", "Budget", "Habit Tracker", "Radio", "Sudoku")
    n = 0
    while len(apps) < count:
        studio, product = studios[n % len(studios)], products[(n // len(studios)) % len(products)]
        slug = re.sub(r"[^a-z]", "", studio.lower())
        name = f"{product} {n // (len(studios) * len(products)) + 1}" if n >= len(studios) * len(products) else product
        bundle_id = f"com.{slug}.{re.sub(r'[^A-Za-z0-9]', '', name).lower()}"
        apps.append(user_app(StoreApp(bundle_id, name, studio, f"{1 + n % 4}.{n % 10}.{n % 7}"), udid))
        n += 1
    return apps


# --- Lockdown values ---------------------------------------------------------------------------------------------


def lockdown_values(
    *,
    udid: str,
    product_type: str,
    version: str,
    build: str,
    name: str,
    serial: str,
    wifi: str,
    ecid: int,
    locked: bool = False,
    model_number: str = "MLMQ3",
    region: str = "LL/A",
) -> dict[str, Any]:
    """The default domain after StartSession (facts 1.1), for one phone."""
    device = next(d for d in IRECV_DEVICES if d.product_type == product_type)
    arm64e = device.chip_id >= 0x8020  # A12 and later
    mac = [int(part, 16) for part in wifi.split(":")]
    bluetooth = ":".join(f"{b:02x}" for b in [*mac[:5], (mac[5] + 1) % 256])
    ethernet = ":".join(f"{b:02x}" for b in [*mac[:5], (mac[5] + 2) % 256])
    baseband_serial = _digest("bbsn", udid)[:4]
    cert_id = _number(9, "certid", udid)
    imei = f"35{_number(13, 'imei', udid)}"[:15]
    return {
        "ActivationState": "Activated",
        "ActivationStateAcknowledged": True,
        "BasebandActivationTicketVersion": "V2",
        "BasebandCertId": cert_id,
        "BasebandChipID": 1878241,
        "BasebandKeyHashInformation": {"AKeyStatus": 2, "SKeyHash": _digest("skey", udid), "SKeyStatus": 0},
        "BasebandMasterKeyHash": (_digest("bbmkh", udid) + _digest("bbmkh2", udid))[:48].hex().upper(),
        "BasebandRegionSKU": bytes(64) if not arm64e else _digest("sku", udid),
        "BasebandSerialNumber": baseband_serial,
        "BasebandStatus": "BBInfoAvailable",
        "BasebandVersion": "4.02.01" if arm64e else "7.80.04",
        "BluetoothAddress": bluetooth,
        "BoardId": device.board_id,
        "BootSessionID": _uuid("boot", udid),
        "BrickState": False,
        "BuildVersion": build,
        "CPUArchitecture": "arm64e" if arm64e else "arm64",
        "CarrierBundleInfoArray": [
            {
                "CFBundleIdentifier": "com.apple.TMobile_US",
                "CFBundleVersion": "61.5.1",
                "GID1": "",
                "GID2": "",
                "ICCID": "8901260853179834719",
                "IMSI": "310260853179834",
                "MCC": "310",
                "MNC": "260",
                "SIMGID1": b"",
                "SIMGID2": b"",
                "Slot": "kOne",
                "kCTPostponementInfoAvailable": False,
            }
        ],
        "CertID": cert_id,
        "ChipID": device.chip_id,
        "ChipSerialNo": baseband_serial,
        "DeviceClass": "iPhone",
        "DeviceColor": "1",
        "DeviceName": name,
        "DieID": ecid,
        "EthernetAddress": ethernet,
        "FirmwareVersion": "iBoot-11881.122.1" if arm64e else "iBoot-8422.141.2",
        "FusingStatus": 3,
        "HardwareModel": device.hardware_model.upper(),
        "HardwarePlatform": f"t{device.chip_id:x}",
        "HasSiDP": True,
        "HostAttached": True,
        "HumanReadableProductVersionString": version,
        "IntegratedCircuitCardIdentity": "8901260853179834719",
        "InternationalMobileEquipmentIdentity": imei,
        "InternationalMobileEquipmentIdentity2": f"35{_number(13, 'imei2', udid)}"[:15],
        "InternationalMobileSubscriberIdentity": "310260853179834",
        "MLBSerialNumber": f"F3X{_number(10, 'mlb', udid)}JQ",
        "MobileEquipmentIdentifier": imei[:14],
        "MobileSubscriberCountryCode": "310",
        "MobileSubscriberNetworkCode": "260",
        "ModelNumber": model_number,
        "NonVolatileRAM": {
            "auto-boot": b"true",
            "backlight-level": b"1527",
            "fm-spstatus": b"YES",
            "obliteration": b"NVRAM_Stored",
            "ota-controllerVersion": b"SUS-1.0",
            "usbcfwflasherResult": b"No errors",
        },
        "PartitionType": "GUID_partition_scheme",
        "PasswordProtected": locked,
        "PhoneNumber": "+1 (555) 010-4477",
        "PkHash": _digest("pkhash", udid),
        "ProductName": "iPhone OS",
        "ProductType": product_type,
        "ProductVersion": version,
        "ProductionSOC": True,
        "ProtocolVersion": "2",
        "ProximitySensorCalibration": (_digest("prox", udid) * 5)[:144],
        "RegionInfo": region,
        "SIMStatus": "kCTSIMSupportSIMStatusReady",
        "SIMTrayStatus": "kCTSIMSupportSIMTrayInsertedSIM",
        "SerialNumber": serial,
        "SoftwareBehavior": b"\x01\x04" + bytes(14),
        "SoftwareBundleVersion": "",
        "SupportedDeviceFamilies": [1],
        "TelephonyCapability": True,
        "TimeIntervalSince1970": SCAN_DAY.timestamp(),
        "TimeZone": "America/New_York",
        "TimeZoneOffsetFromUTC": -14400.0,
        "TrustedHostAttached": True,
        "UniqueChipID": ecid,
        "UniqueDeviceID": udid,
        "UseRaptorCerts": True,
        "Uses24HourClock": False,
        "WiFiAddress": wifi,
        "WirelessBoardSerialNumber": f"{_number(12, 'wbsn', udid):X}",
        "kCTPostponementInfoPRIVersion": "0.1.173",
        "kCTPostponementInfoServiceProvisioningState": False,
        "kCTPostponementStatus": "kCTPostponementStatusActivated",
    }


def backup_domain(*, encrypted: bool, last_computer_backup: datetime | None, cloud: bool = True) -> dict[str, Any]:
    """``com.apple.mobile.backup``: WillEncrypt only when a backup password is set; dates as Cocoa seconds."""
    domain: dict[str, Any] = {
        "CloudBackupEnabled": cloud,
        "RequiresEncryption": False,
    }
    if cloud:
        domain["LastCloudBackupDate"] = cocoa(SCAN_DAY - timedelta(hours=9))
        domain["LastCloudBackupTZ"] = "America/New_York"
    if last_computer_backup is not None:
        domain["LastiTunesBackupDate"] = cocoa(last_computer_backup)
        domain["LastiTunesBackupTZ"] = "America/New_York"
    if encrypted:
        domain["WillEncrypt"] = True
    return domain


def wireless_domain(wifi: str, *, wifi_sync: bool) -> dict[str, Any]:
    """``com.apple.mobile.wireless_lockdown``: EnableWifiConnections only when "sync over Wi-Fi" is on."""
    link_local = "fe80::" + wifi.replace(":", "")[:4] + ":" + wifi.replace(":", "")[4:8] + ":1"
    instance = f"{wifi}@{link_local}-supportsRP-24"
    domain: dict[str, Any] = {
        "BonjourFullServiceName": f"{instance}._apple-mobdev2._tcp.local.",
        "InstanceName": instance,
        "SupportsWifi": True,
        "SupportsWifiSyncing": True,
    }
    if wifi_sync:
        domain["EnableWifiConnections"] = True
    return domain


def common_domains(wifi: str, *, encrypted: bool, wifi_sync: bool, find_my: bool = True) -> dict[str, dict[str, Any]]:
    return {
        "com.apple.mobile.backup": backup_domain(
            encrypted=encrypted, last_computer_backup=SCAN_DAY - timedelta(days=41)
        ),
        "com.apple.mobile.wireless_lockdown": wireless_domain(wifi, wifi_sync=wifi_sync),
        "com.apple.fmip": {"IsAssociated": find_my},
        "com.apple.mobile.iTunes": {
            "FamilyID": 0,
            "MinITunesVersion": "12.13.2",
            "MinMacOSVersion": "10.15.4",
            "iTunesSetupComplete": True,
        },
        "com.apple.mobile.data_sync": {"Contacts": {"AccountNames": ["iCloud"], "Sources": ["iCloud"]}},
    }


# --- Scenarios ---------------------------------------------------------------------------------------------------

CLEAN_UDID = "00008110-001A2B3C4D5E801E"
CLEAN_WIFI = "f0:99:b6:4e:21:7c"


def clean_iphone(
    apps: int = 100,
    *,
    device_name: str = "Alex’s iPhone",
    udid: str = CLEAN_UDID,
    version: str = "26.1",
    build: str = "23B85",
) -> Scenario:
    """An iPhone 13 on a current iOS (26.1 by default): ``apps`` App Store apps and ~30 system apps, an App
    Clip and an offloaded app (hidden unless asked), no profiles, backups encrypted, Wi-Fi sync off, this
    computer already trusted."""
    ecid = int(udid.split("-")[1], 16)
    values = lockdown_values(
        udid=udid,
        product_type="iPhone14,5",
        version=version,
        build=build,
        name=device_name,
        serial="F4GZK2L9Q1",
        wifi=CLEAN_WIFI,
        ecid=ecid,
    )
    app_list = store_apps(udid, apps) + system_apps(version)
    clip = StoreApp("com.yelp.yelpiphone.Clip", "Yelp", "Yelp", "25.22", "Food & Drink", ())
    app_list.append(user_app(clip, udid, extra={"IsAppClip": True}))
    offloaded = StoreApp("com.google.Classroom", "Google Classroom", "Google LLC", "4.2", "Education")
    app_list.append(user_app(offloaded, udid, extra={"IsPlaceholder": True, "IsDemotedApp": True}))
    return Scenario(
        name="clean",
        udid=udid,
        values=values,
        domains=common_domains(CLEAN_WIFI, encrypted=True, wifi_sync=False),
        apps=app_list,
    )


def hostile_iphone(long: bool = False) -> Scenario:
    """A clean phone whose owner-chosen DeviceName is markup (``long``: 5,000 characters of it)."""
    scenario = clean_iphone(40, device_name=LONG_HOSTILE_NAME if long else HOSTILE_NAME)
    scenario.name = "hostile-long" if long else "hostile"
    return scenario


MANAGED_UDID = "a4f2c81e9b7d3065e1f8c2a9d4b7e6f1038c5d2e"
MANAGED_WIFI = "3c:2e:ff:71:0a:9d"
ENTERPRISE_TEAM = "AB12CD34EF"
ENTERPRISE_ORG = "Some Org"
DEVELOPER_TEAM = "Q5R8T2W6Y9"


def managed_iphone() -> Scenario:
    """An iPhone 8 left on iOS 16.7.10, supervised and enrolled in MDM by an unknown organisation, with a VPN and
    root-certificate profile, an enterprise (in-house) app, a developer-signed app, a TestFlight app, Life360 and
    a parental-control app; backups not encrypted, Wi-Fi sync on."""
    udid = MANAGED_UDID
    values = lockdown_values(
        udid=udid,
        product_type="iPhone10,4",
        version="16.7.10",
        build="20H350",
        name="Sam’s iPhone",
        serial="C39VN1KXJC6F",
        wifi=MANAGED_WIFI,
        ecid=0x12A4C3E50B1D2E,
        model_number="MQ6K2",
    )
    apps = store_apps(udid, 40) + system_apps("16.7.10")
    enterprise = StoreApp(
        "com.someorg.fieldagent",
        "Field Agent",
        ENTERPRISE_ORG,
        "3.4.1",
        background=NAVIGATION,
        location="Field Agent reports your location to your organisation.",
        min_os="14.0",
    )
    apps.append(
        user_app(
            enterprise,
            udid,
            signer=f"iPhone Distribution: {ENTERPRISE_ORG} ({ENTERPRISE_TEAM})",
            team=ENTERPRISE_TEAM,
            store=False,
            extra={"ProfileValidated": True, "UPPValidated": True, "SignerOrganization": ENTERPRISE_ORG},
        )
    )
    developer = StoreApp(
        "com.jsmith.helper",
        "Helper",
        "Jordan Smith",
        "1.0",
        background=("fetch", "location"),
        location="Keeps running in the background.",
        entitlements=(("get-task-allow", True),),
    )
    apps.append(
        user_app(
            developer,
            udid,
            signer="Apple Development: Jordan Smith (7XK2QW9L4M)",
            team=DEVELOPER_TEAM,
            store=False,
            extra={"ProfileValidated": True, "FreeProfileValidated": True},
        )
    )
    beta = StoreApp(
        "com.pocketnotes.PocketNotes",
        "Pocket Notes",
        "Pocket Notes Ltd",
        "2.0",
        "Productivity",
        entitlements=(("beta-reports-active", True),),
    )
    apps.append(user_app(beta, udid, signer=TESTFLIGHT, testflight=True))
    testflight_app = StoreApp("com.apple.TestFlight", "TestFlight", "Apple Inc.", "3.8.0", "Developer Tools")
    apps.append(user_app(testflight_app, udid))
    life360 = StoreApp(
        "com.life360.safetymap",
        "Life360",
        "Life360",
        "25.16.0",
        "Social Networking",
        ("fetch", "location", "processing", "remote-notification"),
        "Life360 shares your location with your Circle, even when the app is closed.",
        384830320,
        entitlements=(("com.apple.developer.location.push", True),),
    )
    apps.append(user_app(life360, udid))
    qustodio = StoreApp(
        "com.qustodio.par.qustodio-family-parental-control-app",
        "Qustodio",
        "Qustodio LLC",
        "183.2.0",
        "Lifestyle",
        ("fetch", "location", "remote-notification"),
        "Qustodio shows your location to your parents.",
        entitlements=(("com.apple.developer.family-controls", True),),
    )
    apps.append(user_app(qustodio, udid))
    return Scenario(
        name="managed",
        udid=udid,
        values=values,
        domains=common_domains(MANAGED_WIFI, encrypted=False, wifi_sync=True),
        apps=apps,
        profiles=[
            Profile(
                identifier="com.nwdevices.mdm.enrollment",
                uuid="6C1D2E3F-4A5B-4C6D-8E7F-9A0B1C2D3E4F",
                display_name="Device Management",
                organization="NW Device Services",
                description="Enrolls this iPhone in remote management.",
                removal_disallowed=True,
            ),
            Profile(
                identifier="net.securelink.vpn.config",
                uuid="0F9E8D7C-6B5A-4F3E-9D2C-1B0A9F8E7D6C",
                display_name="SecureLink VPN",
                organization="SecureLink Networks",
                description="VPN settings and the SecureLink Root CA certificate.",
            ),
        ],
        cloud_configuration={
            "AllowPairing": True,
            "CloudConfigurationUIComplete": True,
            "ConfigurationSource": 0,
            "ConfigurationURL": "https://mdm.nwdevices.example/enroll",
            "ConfigurationWasApplied": True,
            "IsMDMUnremovable": True,
            "IsMandatory": True,
            "IsSupervised": True,
            "OrganizationMagic": "A5E1C0D4-77B2-4E39-9F60-2D8B3C1A4E57",
            "OrganizationName": "NW Device Services",
            "SkipSetup": ["Location", "Restore", "Android", "Siri", "ScreenTime", "Privacy", "AppleID"],
            "SupervisorHostCertificates": [developer_certificate("NW Device Services Supervision", "NWDS", "NWDS")],
        },
        provisioning_profiles=[enterprise_profile(), development_profile(udid)],
    )


def enterprise_profile() -> dict[str, Any]:
    """An in-house (enterprise) provisioning profile: ProvisionsAllDevices, a distribution certificate."""
    return {
        "AppIDName": "Field Agent",
        "ApplicationIdentifierPrefix": [ENTERPRISE_TEAM],
        "CreationDate": datetime(2025, 2, 3, 16, 12, 44),
        "DER-Encoded-Profile": b"0\x82\x0b\x1a\x06\t*\x86H\x86\xf7\r\x01\x07\x02" + _digest("der", "enterprise"),
        "DeveloperCertificates": [
            developer_certificate(
                f"iPhone Distribution: {ENTERPRISE_ORG} ({ENTERPRISE_TEAM})", ENTERPRISE_TEAM, ENTERPRISE_ORG
            )
        ],
        "Entitlements": {
            "application-identifier": f"{ENTERPRISE_TEAM}.com.someorg.fieldagent",
            "aps-environment": "production",
            "com.apple.developer.team-identifier": ENTERPRISE_TEAM,
            "get-task-allow": False,
            "keychain-access-groups": [f"{ENTERPRISE_TEAM}.*"],
        },
        "ExpirationDate": datetime(2026, 2, 3, 16, 12, 44),
        "IsXcodeManaged": False,
        "Name": "Field Agent In House",
        "Platform": ["iOS"],
        "ProvisionsAllDevices": True,
        "TeamIdentifier": [ENTERPRISE_TEAM],
        "TeamName": ENTERPRISE_ORG,
        "TimeToLive": 365,
        "UUID": "D3C2B1A0-9F8E-4D7C-B6A5-948372615F0E",
        "Version": 1,
    }


def development_profile(udid: str) -> dict[str, Any]:
    """A free-account development profile made by Xcode for this phone (ProvisionedDevices, get-task-allow)."""
    return {
        "AppIDName": "XC com jsmith helper",
        "ApplicationIdentifierPrefix": [DEVELOPER_TEAM],
        "CreationDate": datetime(2025, 8, 20, 9, 41, 3),
        "DER-Encoded-Profile": b"0\x82\x0a\xf1\x06\t*\x86H\x86\xf7\r\x01\x07\x02" + _digest("der", "development"),
        "DeveloperCertificates": [
            developer_certificate("Apple Development: Jordan Smith (7XK2QW9L4M)", DEVELOPER_TEAM, "Jordan Smith")
        ],
        "Entitlements": {
            "application-identifier": f"{DEVELOPER_TEAM}.com.jsmith.helper",
            "com.apple.developer.team-identifier": DEVELOPER_TEAM,
            "get-task-allow": True,
            "keychain-access-groups": [f"{DEVELOPER_TEAM}.*"],
        },
        "ExpirationDate": datetime(2025, 8, 27, 9, 41, 3),
        "IsXcodeManaged": True,
        "LocalProvision": True,
        "Name": "iOS Team Provisioning Profile: com.jsmith.helper",
        "Platform": ["iOS", "xrOS", "visionOS"],
        "ProvisionedDevices": [udid, "00008030-0019358A1E38802E"],
        "TeamIdentifier": [DEVELOPER_TEAM],
        "TeamName": "Jordan Smith (Personal Team)",
        "TimeToLive": 7,
        "UUID": "5B6A7C8D-9E0F-4A1B-8C2D-3E4F5A6B7C8D",
        "Version": 1,
    }


JAILBROKEN_UDID = "5e0b7c94d21fa38c6b70e91d4fa2c8b53e7d1a60"
JAILBROKEN_WIFI = "a8:5b:78:c2:44:13"


def jailbroken_iphone() -> Scenario:
    """An iPhone X on iOS 14.8 jailbroken with checkra1n (rootful): Cydia, Sileo and Filza in /Applications, afc2."""
    udid = JAILBROKEN_UDID
    values = lockdown_values(
        udid=udid,
        product_type="iPhone10,3",
        version="14.8",
        build="18H17",
        name="iPhone",
        serial="F17VQ0ABJCL6",
        wifi=JAILBROKEN_WIFI,
        ecid=0x3A1E0C2B4D06,
        model_number="MQA52",
    )
    apps = store_apps(udid, 30) + system_apps("14.8")
    for bundle_id, name, executable, version in (
        ("com.saurik.Cydia", "Cydia", "Cydia", "1.1.36"),
        ("org.coolstar.SileoStore", "Sileo", "Sileo", "2.3"),
        ("com.tigisoftware.Filza", "Filza", "Filza", "3.9.6"),
        ("kr.xsf1re.checkra1n", "checkra1n", "checkra1n", "0.12.4"),
    ):
        record = system_app(bundle_id, name, executable, version)
        record["Entitlements"] = {"application-identifier": bundle_id, "platform-application": True}
        record["MinimumOSVersion"] = "11.0"
        apps.append(record)
    services = default_services()
    services[AFC2] = Service("silent", ssl=False)  # AFC does not use TLS
    return Scenario(
        name="jailbroken",
        udid=udid,
        values=values,
        domains=common_domains(JAILBROKEN_WIFI, encrypted=False, wifi_sync=False),
        apps=apps,
        services=services,
    )


def untrusted_iphone(mode: str = "pending", pending_answers: int = 1) -> Scenario:
    """A clean phone that has never trusted this computer. ``mode``: "pending" (the Trust dialog is never
    answered), "pending-then-accept" (answered after ``pending_answers`` Pair requests), "denied", "locked"
    (the phone is locked with a passcode: Pair answers PasswordProtected), or "accept"."""
    scenario = clean_iphone(30)
    scenario.name = f"untrusted-{mode}"
    scenario.trusted = False
    scenario.pairing = mode  # type: ignore[assignment]
    scenario.pending_answers = pending_answers
    if mode == "locked":
        scenario.values["PasswordProtected"] = True
    scenario.__post_init__()
    return scenario


def locked_services_iphone() -> Scenario:
    """Trusted, but locked with a passcode right now: every StartService answers PasswordProtected."""
    scenario = clean_iphone(30)
    scenario.name = "locked-services"
    scenario.values["PasswordProtected"] = True
    scenario.locked_services = frozenset({ALL_SERVICES})
    return scenario


OLDER_UDID = "e83c1f0a6b2d94758c0e1b3a5f7d9c2e4a6b8d01"
OLDER_WIFI = "40:4d:7f:a1:0c:e2"


def older_iphone() -> Scenario:
    """An iPhone 6 on iOS 12.5.7 (its last): no MCInstall service, older system apps."""
    udid = OLDER_UDID
    values = lockdown_values(
        udid=udid,
        product_type="iPhone7,2",
        version="12.5.7",
        build="16H81",
        name="Grandma’s iPhone",
        serial="F2LP8QZJG5MN",
        wifi=OLDER_WIFI,
        ecid=0xA1B2C3D4E5,
        model_number="MG4Q2",
    )
    apps = [user_app(replace(app, min_os="11.0"), udid) for app in STORE_APPS[:25]]
    apps += system_apps("12.5.7")
    services = default_services()
    del services[MCINSTALL]
    domains = common_domains(OLDER_WIFI, encrypted=False, wifi_sync=False)
    return Scenario(name="older", udid=udid, values=values, domains=domains, apps=apps, services=services)


def unplugged_iphone() -> Scenario:
    """A clean phone whose cable is pulled during the app list: Browse stops after 3 chunks (30 apps)."""
    scenario = clean_iphone(100)
    scenario.name = "unplugged"
    scenario.unplug_after_chunks = 3
    return scenario


def no_iphone() -> list[Scenario]:
    """usbmuxd with nothing plugged in."""
    return []


SECOND_UDID = "00008120-000C35A21E90401E"


def two_iphones() -> list[Scenario]:
    """Two phones at once: the clean iPhone 13 and an iPhone 15 Pro on iOS 26.0."""
    second = clean_iphone(20, device_name="Jamie’s iPhone", udid=SECOND_UDID)
    second.values.update(
        lockdown_values(
            udid=SECOND_UDID,
            product_type="iPhone16,1",
            version="26.0",
            build="23A341",
            name="Jamie’s iPhone",
            serial="K7QX2M4N9P",
            wifi="5c:1b:f4:08:9e:31",
            ecid=int(SECOND_UDID.split("-")[1], 16),
            model_number="MTQ43",
        )
    )
    second.name = "second"
    return [clean_iphone(), second]
