/* common_passwords: the embedded list behind password_is_common (declared in
 * password.h; this file is the second half of the password module).
 *
 * About 1,700 of the passwords that head the public breach-frequency lists
 * (RockYou, the NCSC "100k most common", SecLists' top lists), plus the
 * keyboard walks, "password"/"welcome"/"letmein" + digits and year patterns
 * those lists show. Because the policy also asks for at least
 * PASSWORD_MIN_LEN characters, entries of ten characters or more matter most;
 * shorter ones are kept so password_is_common answers for them too.
 *
 * Every entry is lowercase printable ASCII, and the array is sorted in byte
 * (strcmp) order without duplicates, because lookup is a bsearch. Keep it that
 * way when adding entries: test_auth_password reads this file and checks it. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"

/* Packed several to a line; clang-format would put one per line. */
/* clang-format off */
static const char *const common[] = {
    "!@#$%^", "!@#$%^&*", "!@#$%^&*()", "!qaz2wsx", "!qaz@wsx", "0000", "00000", "000000", "0000000",
    "00000000", "000000000", "0000000000", "007007", "01011980", "01011985", "01011990", "01011991",
    "01012011", "010203", "0123456789", "0987654321", "0987654321a", "0987654321q", "101010", "102030",
    "1111", "11111", "111111", "1111111", "11111111", "111111111", "1111111111", "11111111111", "11111990",
    "1111aaaa", "111222", "112233", "11223344", "1122334455", "112358", "11235813", "1212", "121212",
    "12121212", "121212121", "1212121212", "12121990", "123", "123!@#", "123123", "12312312", "123123123",
    "1231231230", "123123123123", "123123123a", "123123a", "123123q", "1232323q", "123321", "123321123321",
    "1234", "1234!@#$", "12341234", "12341234a", "1234321", "12344321", "12344321a", "12345", "1234512345",
    "123454321", "1234554321", "1234554321a", "123456", "123456123456", "12345654321", "1234567",
    "1234567654321", "12345678", "123456789", "1234567890", "1234567890-=", "123456789012", "1234567890a",
    "1234567890q", "1234567890qwerty", "1234567891", "12345678910", "12345678910a", "1234567899",
    "123456789a", "123456789q", "123456789z", "12345678a", "12345678q", "1234567a", "1234567q", "123456a",
    "123456q", "12345a", "12345q", "12345qwert", "1234abcd", "1234asdf", "1234azerty", "1234qwer",
    "1234qwer!", "1234qwerasdf", "1234zxcv", "123654", "123789", "123abc", "123abc123", "123asd",
    "123asd123", "123asdf", "123password", "123qwe", "123qwe123", "123qwe123qwe", "123qweasd",
    "123qweasdzxc", "123qwert", "123qwerty", "123zxc", "12password", "12qwaszx", "12qwaszx12", "1313",
    "131313", "13579", "135790", "1357924680", "147147", "147258", "147258369", "147258369147", "147852",
    "147852369", "159357", "159753", "159753456", "1597534862", "159951", "1969", "1980", "1981", "1982",
    "1983", "1984", "1985", "1986", "1987", "19871987", "1988", "1989", "19891989", "1990", "19901990",
    "1991", "1992", "1993", "1994", "1995", "1996", "1997", "1998", "1999", "1a2b3c4d", "1a2b3c4d5e",
    "1drowssap", "1password", "1q2w3e", "1q2w3e!q@w#e", "1q2w3e4r", "1q2w3e4r!", "1q2w3e4r5t",
    "1q2w3e4r5t6", "1q2w3e4r5t6y", "1q2w3e4r5t6y7u", "1q2w3e4r5t6y7u8i9o0p", "1qaz", "1qaz!qaz", "1qaz1qaz",
    "1qaz2wsx", "1qaz2wsx!", "1qaz2wsx3", "1qaz2wsx3edc", "1qaz2wsx3edc4rfv", "1qaz@wsx", "1qazxsw2",
    "1qazxsw23edc", "1qazzaq1", "1qw23er4", "2000", "20002000", "2001", "2002", "2003", "2004", "2005",
    "2006", "2007", "2008", "2009", "2010", "20102010", "2011", "2012", "2013", "2014", "2015", "2016",
    "2017", "2018", "2019", "2020", "20202020", "2021", "2022", "2023", "2024", "2112", "212121", "2222",
    "222222", "22222222", "2222222222", "232323", "23jordan", "242424", "246810", "2468101214", "252525",
    "258456", "271828", "2wsx", "2wsx2wsx", "2wsx3edc", "31415926", "3141592653", "315475", "321654987",
    "3333", "333333", "33333333", "357159", "3edc4rfv", "420420", "4321", "4444", "444444", "44444444",
    "456123", "456789", "4815162342", "49ers", "5150", "54321", "5555", "55555", "555555", "5555555",
    "55555555", "5555555555", "654321", "654321a", "666666", "66666666", "6969", "696969", "69696969",
    "741852963", "753951", "7777", "777777", "7777777", "77777777", "7777777777", "789456", "789456123",
    "789654123", "8675309", "87654321", "888888", "88888888", "8888888888", "951753", "963852741", "987654",
    "9876543", "98765432", "987654321", "9876543210", "9876543211", "987654a", "999999", "99999999",
    "9999999999", "a12345", "a123456", "a1234567", "a12345678", "a1234567890", "a1b2c3", "a1b2c3d4",
    "a1b2c3d4e5", "aa123456", "aa12345678", "aaa111", "aaa123", "aaaa", "aaaa1111", "aaaaaa", "aaaaaaaa",
    "aaaaaaaaaa", "aaaaaaaaaaa", "abc123", "abc1234567", "abc123456789", "abc123abc", "abcabc", "abcabc123",
    "abcd1234", "abcd12345", "abcd123456", "abcd1234abcd", "abcdef", "abcdef123", "abcdefg", "abcdefg123",
    "abcdefgh", "abcdefghi", "abcdefghij", "abcdefghijk", "access", "access1", "access123", "accessdenied",
    "action", "actor", "actress", "adidas", "admin", "admin1", "admin12", "admin123", "admin1234",
    "admin12345", "admin@123", "adminadmin", "administrator", "administrator1", "administrator123",
    "adminpassword", "airborne", "alaska", "alaska1", "albert", "alex", "alexande", "alexander",
    "alexander1", "alexis", "always", "amanda", "amanda1", "america", "america1", "anderson", "andrea",
    "andrew", "andrew1", "andrey", "angel", "angel1", "angel123", "angela", "angels", "animal", "anthony",
    "anthony1", "anybody", "anything", "apollo", "apple", "apple1", "apple123", "apples", "april",
    "arsenal", "arsenal1", "arthur", "asd123", "asd123456", "asdasd", "asdasd123", "asdasdasd", "asdf",
    "asdf1234", "asdf12345", "asdf123456", "asdfasdf", "asdfasdfasdf", "asdfgh", "asdfgh1", "asdfgh123",
    "asdfghj", "asdfghjk", "asdfghjkl", "asdfghjkl1", "asdfghjkl12", "asdfghjkl123", "asdfghjklqwertyuiop",
    "asdfjkl", "asdfjkl;", "asdzxc", "ashley", "ashley1", "assassin", "asshole", "audi", "august", "austin",
    "australia", "australia1", "autumn", "autumn1", "autumn2022", "azerty", "azerty123", "azertyuiop",
    "baby", "babyboy", "babygirl", "babygirl1", "badass", "badboy", "badboy1", "badger", "badgirl",
    "bailey", "bailey1", "banana", "banana1", "bandit", "barbara", "barcelona", "barney", "baseball",
    "baseball1", "baseball123", "baseball2", "basketball", "basketball1", "basketball123", "batman",
    "batman1", "batman12", "batman123", "bayern", "bear", "bear123", "bears", "beatles", "beaver", "beavis",
    "beer", "believe", "believe1", "benjamin", "benjamin1", "berlin", "bigboss", "bigboy", "bigdaddy",
    "bigdick", "bigdog", "bigtits", "bill", "billy", "birdie", "bitch", "bitches", "biteme", "black",
    "blazer", "blessed", "blessed1", "blink182", "blowjob", "blowme", "blue", "blueberry", "bmw", "bmw123",
    "bollocks", "bond007", "bonnie", "boobies", "booboo", "boobs", "booger", "boomer", "boss", "boss1",
    "boss123", "boston", "boston1", "brandon", "brandon1", "brandy", "braves", "brazil", "brian", "bronco",
    "broncos", "broncos1", "brooklyn", "bubba", "bubbles", "buddha", "buddy", "buddy1", "buffalo",
    "bulldog", "bullet", "bulls", "bullshit", "bunny", "bunny123", "business", "buster", "buster1",
    "buster123", "butter", "butterfly", "butterfly1", "butthead", "california", "calvin", "camaro",
    "camaro1", "cameron", "canada", "canada1", "candy", "candy123", "captain", "captain1", "carlos",
    "carmen", "carolina", "caroline", "carter", "cartman", "cash", "casper", "cassie", "celtic", "celtic1",
    "celtics", "champion", "chance", "changeme", "changeme1", "changeme123", "changemeplease", "changethis",
    "charles", "charlie", "charlie1", "charlie12", "charlie123", "cheese", "cheetah", "chelsea", "chelsea1",
    "cherokee", "cherry", "cherry1", "chester", "chevrolet", "chevy", "chicago", "chicago1", "chicken",
    "chief", "china", "chocolate", "chocolate1", "chris", "chris1", "christ", "christin", "christopher",
    "cinema", "cocacola", "cock", "coconut", "coffee", "college", "company", "compaq", "computer",
    "computer1", "computer123", "contrasena", "contrasena123", "cookie", "cookie1", "cookies", "cool",
    "cooper", "copper", "corvette", "corvette1", "courtney", "cowboy", "cowboys", "cowboys1", "cr7",
    "creative", "cricket", "cristiano", "crystal", "cupcake", "cupcake1", "cutiepie", "dakota", "dallas",
    "dallas1", "daniel", "daniel1", "danielle", "darkness", "dave", "david", "debbie", "december",
    "december2022", "default", "default123", "demo", "demo123", "denise", "dennis", "destiny", "dexter",
    "diablo", "diamond", "dick", "dickhead", "diesel", "digital", "doctor", "doggie", "doggy", "doggy123",
    "dollar", "dollars", "dolphin", "dolphin1", "dolphins", "dolphins1", "donald", "donkey", "dragon",
    "dragon1", "dragon123", "dragonball", "dragonfly", "dragons", "dream", "dreamer", "dreams", "dreams1",
    "driver", "drowssap", "drowssap1", "drummer", "drummer1", "drums", "eagle", "eagle1", "eagles",
    "eagles1", "eagles12", "eclipse", "edc123", "edward", "einstein", "elephant", "elizabeth", "eminem",
    "england", "enigma", "enter", "enter123", "enternow", "entry", "everybody", "everything", "explorer",
    "facebook", "facebook1", "faith", "faith123", "falcon", "falcon1", "fall2022", "family", "february",
    "fender", "ferrari", "ferrari1", "film", "fire", "fish", "fishing", "florida", "florida1", "flower",
    "flower123", "fluffy", "flyers", "football", "football1", "football12", "football123", "football12345",
    "football2", "footballer", "footballfan", "forest", "forever", "forever1", "fortnite", "france",
    "frank", "fred", "freddy", "freedom", "freedom1", "freedom123", "friday", "friday1", "friend",
    "friends", "frodo", "fuck", "fucker", "fucking", "fuckme", "fuckoff", "fuckoff1", "fuckyou", "fuckyou1",
    "fuckyou123", "fuckyou2", "gabriel", "gabriella", "gandalf", "gandalf1", "gandalf123", "garfield",
    "gateway", "gators", "gemini", "general", "general1", "genesis", "genius", "george", "george1",
    "germany", "gfhjkm", "ghbdtn", "giants", "giants1", "gibson", "ginger", "ginger1", "girls", "gmail",
    "godisgood", "godzilla", "golden", "golf", "golf123", "golfer", "goober", "goodboy", "goodbye",
    "goodgirl", "goodluck", "google", "google1", "google123", "gordon", "grace", "green", "gregory",
    "guest", "guest123", "guinness", "guitar", "guitar1", "gunner", "gunner1", "hahaha", "hammer", "hannah",
    "hannah1", "happy", "hardcore", "harley", "harley1", "harleydavidson", "harrypotter", "harrypotter1",
    "haslo", "haslo123", "hawaii", "hawaii1", "hawk", "heat", "heather", "heaven", "heaven1", "heavymetal",
    "hello", "hello1", "hello123", "hello1234", "hello12345", "hellokitty", "helloworld", "helloworld1",
    "helpme", "hero", "hiphop", "hitman", "hiya", "hockey", "hockey1", "hockey123", "hogwarts", "hollywood",
    "honda", "honda1", "honey", "honey123", "hooters", "horny", "horses", "hotdog", "hotmail", "hotrod",
    "hunter", "hunter1", "hunter123", "hunter2", "iceman", "ihateyou", "iloveme", "iloveu", "iloveu123",
    "iloveyou", "iloveyou!", "iloveyou1", "iloveyou12", "iloveyou123", "iloveyou2", "iloveyou2020",
    "iloveyoubaby", "iloveyouforever", "iloveyouso", "iloveyoutoo", "imagine", "india", "instagram",
    "internet", "internet1", "iphone", "ireland", "ironman", "ironman123", "isabella", "italy", "iwantu",
    "jack", "jackass", "jackie", "jackie1", "jackson", "jaguar", "jake", "jamaica", "james", "january",
    "january2023", "japan", "jasmine", "jason", "jasper", "jeep", "jeepster", "jennifer", "jennifer1",
    "jeremy", "jessica", "jessica1", "jessie", "jester", "jesus", "jesus1", "jesus123", "jesuschrist",
    "jesuslovesme", "jets", "job", "john", "johnny", "johnson", "jonathan", "jonathan1", "jordan",
    "jordan1", "jordan123", "jordan2", "jordan23", "joseph", "joshua", "joshua1", "july", "june", "junior",
    "justin", "justin1", "juventus", "kawasaki", "kevin", "killer", "killer1", "killer12", "killer123",
    "killers", "kimberly", "kitkat", "kitten", "kitty", "kitty123", "kittycat", "klaster", "knicks",
    "knight", "kobe24", "kobebryant", "korea", "kristina", "lacrosse", "lakers", "lakers1", "lakers24",
    "lasvegas", "lauren", "lebron", "lebronjames", "legend", "legend1", "lemon", "letmein", "letmein!",
    "letmein1", "letmein12", "letmein123", "letmein1234", "letmein2", "letmeinnow", "letmeinplease",
    "liberty", "liberty1", "lifehack", "lightning", "linkedin", "lion", "lionking", "little", "liverpoo",
    "liverpool", "liverpool1", "lizard", "lkjhgfdsa", "login", "login123", "logon", "lol123", "london",
    "london1", "lordoftherings", "louise", "love", "lovelove", "lovely", "lovely123", "loveme", "loveme1",
    "lover", "lovers", "loveyou123", "loveyou1234", "lozinka", "lucky", "lucky1", "lucky123", "maddog",
    "madison", "maggie", "maggie1", "magic", "magic1", "magical", "magnum", "manager", "manager1",
    "manchester", "manchesterunited", "mango", "manutd", "march", "marcus", "marina", "marine", "mariposa",
    "mark", "marlboro", "martin", "marvin", "maryjane", "master", "master1", "master123", "masterkey",
    "matrix", "matrix123", "matthew", "matthew1", "maverick", "mavericks", "max123", "maximus", "maxwell",
    "maxwell1", "may", "melanie", "melissa", "melissa1", "member", "mercedes", "mercedes1", "merlin",
    "merlin1", "messi", "messi10", "metal", "metallic", "metallica", "mexico", "mexico1", "miami",
    "michael", "michael1", "michael123", "michaeljordan", "michelle", "michigan", "mickey", "microsoft",
    "midnight", "mike", "milan", "miller", "million", "millions", "mine", "minecraft", "minecraft1",
    "minecraft123", "mitsubishi", "mnbvcxz", "monday", "money", "money1", "money123", "moneymoney",
    "monica", "monkey", "monkey1", "monkey12", "monkey123", "monster", "montana", "morgan", "moscow",
    "motdepasse", "mother", "mountain", "movie", "movies", "mozart", "muffin", "muffin1", "murphy", "music",
    "music1", "music123", "musician", "mustang", "mustang1", "mylove", "mylove123", "mypassword",
    "mypassword1", "mypassword123", "mysecret", "myself", "myspace", "myspace1", "naruto", "nascar",
    "natasha", "nathan", "ncc1701", "nelson", "newpassword", "newpassword1", "newpassword123", "newyork",
    "newyork1", "newzealand", "neymar", "nicholas", "nicholas1", "nicole", "nicole1", "nikita", "niners",
    "ninja", "ninja123", "nintendo", "nintendo64", "nirvana", "nissan", "nissan1", "nobody", "nopassword",
    "nothing", "nothing1", "november", "october", "office", "oldpassword", "oliver", "olivia", "online",
    "open123", "opensesame", "openup", "orange", "orange1", "ou812", "p4ssw0rd", "p4ssword", "p@ssw0rd",
    "p@ssw0rd123", "p@ssword", "pa55w0rd", "pa55word", "packers", "packers1", "pakistan", "pakistan1",
    "pamela", "pantera", "panther", "panther1", "panties", "paradise", "paris", "paris123", "parker",
    "parola", "parola123", "pass", "pass1", "pass12", "pass123", "pass1234", "pass12345", "pass@123",
    "passpass", "passpass123", "passw0rd", "passw0rd!", "passw0rd1", "passw0rd123", "passwd", "passwd123",
    "password", "password!", "password!23", "password0", "password00", "password01", "password01!",
    "password1", "password1!", "password10", "password11", "password12", "password12!", "password123",
    "password123!", "password1234", "password1234!", "password12345", "password13", "password2",
    "password2020", "password2021", "password2022", "password2023", "password2024", "password22",
    "password3", "password321", "password69", "password7", "password8", "password88", "password9",
    "password99", "password@123", "passwordis", "passwordpassword", "passwort", "passwort123", "patricia",
    "patrick", "patriots", "paul", "peaches", "peaches1", "peanut", "peanut1", "pepper", "pepper1", "peter",
    "phantom", "phoenix", "piano", "pimpin", "pineapple", "pirate", "pirates", "platinum", "playboy",
    "player", "playstation", "playstation2", "playstation3", "please", "poiuytrewq", "pokemon",
    "pokemon123", "poland", "police", "poohbear", "pookie", "popcorn", "porn", "porno", "porsche",
    "porsche911", "power", "power123", "powerful", "prince", "princesa", "princess", "princess1",
    "princess12", "princess123", "private", "private1", "pumpkin", "punk", "punkrock", "puppies", "puppy",
    "puppy123", "purple", "pussy", "pw123456", "pwd123", "pwd12345", "q12345", "q123456", "q123456789",
    "q1w2e3", "q1w2e3r4", "q1w2e3r4t5", "q1w2e3r4t5y6", "qaz123", "qazqaz", "qazwsx", "qazwsx12",
    "qazwsx123", "qazwsx1234", "qazwsxed", "qazwsxedc", "qazwsxedc1", "qazwsxedc123", "qazwsxedcrfv",
    "qazxsw", "qazxswedc", "qqqqqq", "qwaszx", "qwaszx12", "qwaszxqw", "qwe123", "qwe12345", "qwe123456",
    "qwe123qwe", "qweasd", "qweasd123", "qweasdzxc", "qweasdzxc1", "qweasdzxc123", "qweqwe", "qweqwe123",
    "qweqweqwe", "qwer1234", "qwer12345", "qwerasdf", "qwerasdfzxcv", "qwert", "qwert12345", "qwerty",
    "qwerty!", "qwerty01", "qwerty0987654321", "qwerty1", "qwerty1!", "qwerty11", "qwerty12", "qwerty123",
    "qwerty1234", "qwerty12345", "qwerty123456", "qwerty1234567", "qwerty12345678", "qwerty22", "qwerty7",
    "qwerty99", "qwertyasdf", "qwertyqwerty", "qwertyqwerty1", "qwertyu", "qwertyu123", "qwertyui",
    "qwertyui1", "qwertyuio", "qwertyuiop", "qwertyuiop1", "qwertyuiop123", "qwertyuiop[]",
    "qwertyuiopasdfghjkl", "qwertz", "qwertzuiop", "rabbit", "rachel", "racing", "raiders", "raiders1",
    "rain", "rainbow", "rainbow123", "ranger", "ranger1", "rangers", "rangers1", "rapper", "razz",
    "realmadrid", "rebecca", "red123", "reddog", "redskins", "redsox", "redsox1", "redwings", "rfv123",
    "rich", "richard", "rifle", "robert", "robert1", "roblox", "roblox123", "rock", "rockandroll", "rocket",
    "rockets", "rocknroll", "rocky", "rocky1", "rocky123", "ronaldo", "root", "root123", "rootpassword",
    "rootroot", "rosebud", "runner", "rush2112", "ruslan", "russia", "sabrina", "salasana", "samantha",
    "samantha1", "sammy", "samson", "samsung", "samsung1", "samsung123", "samuel", "samurai", "sandra",
    "saturday", "saturn", "scarface", "school", "school1", "scooby", "scooter", "scorpio", "scorpion",
    "scotland", "scott", "scotty", "seahawks", "sebastian", "secret", "secret1", "secret123", "secret1234",
    "secretpassword", "security", "senha", "senha123", "september", "sergey", "sexsex", "sexy", "shadow",
    "shadow1", "shadow12", "shadow123", "shannon", "sharon", "shelby", "shithead", "shooter", "shorty",
    "sierra", "signin", "silver", "simple", "simpsons", "singer", "skippy", "skype", "slayer", "slipknot",
    "smokey", "snickers", "sniper", "sniper1", "snoopy", "snoopy1", "snow", "snowball", "snowball1",
    "soccer", "soccer1", "soccer12", "soccer123", "soccerball", "soldier", "somebody", "someone", "sophie",
    "spain", "spanky", "sparky", "sparky1", "speedy", "spencer", "spider", "spiderman", "spiderman1",
    "spiderman123", "spitfire", "spring", "spring1", "spring2021", "spring2022", "spring2023", "spurs",
    "stalker", "stanley", "star", "star123", "stargate", "startrek", "startrek1", "starwars", "starwars1",
    "starwars12", "starwars123", "steelers", "steelers1", "stella", "stephen", "steve", "steven", "storm",
    "strawberry", "student", "student1", "stupid", "subaru", "success", "suckit", "sugar", "sugar123",
    "summer", "summer1", "summer12", "summer2020", "summer2021", "summer2022", "summer2023", "summer2024",
    "sunday", "sunflower", "sunny", "sunny123", "sunshine", "sunshine1", "sunshine12", "sunshine123",
    "superhero", "superman", "superman1", "superman12", "superman123", "supersecret", "supersecret123",
    "superstar", "superstar1", "surfer", "suzuki", "svetlana", "sweetheart", "sweetie", "sweetpea",
    "sydney", "taylor", "taylor1", "teacher", "teacher1", "teddy", "teddybear", "temp", "temp123",
    "temppassword", "tennis", "tennis123", "teresa", "test", "test123", "test1234", "tester", "testing",
    "testing123", "testtest", "texas", "theman", "thepassword", "therock", "thomas", "thomas1", "thumper",
    "thunder", "thunder1", "thursday", "thx1138", "tiffany", "tiger", "tiger1", "tigers", "tigers1",
    "tigger", "tigger1", "tits", "together", "tokyo", "tomcat", "toor", "topgun", "toyota", "toyota1",
    "travis", "trinity", "trinity1", "trouble", "trustme", "trustme1", "trustno1", "trustno1234",
    "trustno1trustno1", "tucker", "tuesday", "turtle", "turtle1", "twitter", "ukraine", "united",
    "university", "unknown", "usa123", "usausa", "user", "user123", "usuck123", "valentina", "vampire",
    "vanessa", "vegas", "victor", "victoria", "victoria1", "viking", "vikings", "vincent", "viper",
    "volkswagen", "voodoo", "voyager", "w123456", "wachtwoord", "walker", "walter", "warrior", "warrior1",
    "warriors", "watermelon", "wednesday", "welcome", "welcome!", "welcome0", "welcome1", "welcome12",
    "welcome123", "welcome1234", "welcome2020", "welcome2021", "welcome2022", "welcome2023", "welcome2024",
    "welcome@123", "welcomeback", "welcomehome", "welcomeme", "westside", "whatever", "whatever1", "whoami",
    "william", "william1", "williams", "willie", "willow", "wilson", "windows", "windows10", "windows7",
    "winner", "winston", "winter", "winter1", "winter12", "winter2020", "winter2021", "winter2022",
    "winter2023", "wizard", "wizard1", "wolf", "wolfpack", "wolves", "work", "work123", "wsx123", "wsxwsx",
    "xavier", "xbox360", "xsw2zaq1", "xxxxxx", "xxxxxxxx", "yahoo", "yahoo123", "yamaha", "yamaha1",
    "yankees", "yankees1", "yellow", "yourpassword", "youtube", "ytrewq", "z123456", "zaq123", "zaq12345",
    "zaq12wsx", "zaq12wsxcde3", "zaq1@wsx", "zaq1xsw2", "zaq1xsw2cde3", "zaq1zaq1", "zaqwsx", "zaqxsw",
    "zxc123", "zxcasdqwe", "zxcvb", "zxcvbn", "zxcvbn123", "zxcvbnm", "zxcvbnm1", "zxcvbnm12", "zxcvbnm123",
    "zxcvbnm1234", "zxcvbnm12345", "zxcvbnmasdf", "zxcvbnmasdfghjkl", "zxczxc", "zxczxczxc", "zzzzzz",
};
/* clang-format on */

static int compare_entry(const void *key, const void *entry)
{
    return strcmp(key, *(const char *const *)entry);
}

/* The list is lowercase, so the password is lowercased (ASCII only: no entry
 * has other letters) into a bounded copy first. A password longer than
 * PASSWORD_MAX_BYTES cannot be on the list. */
bool password_is_common(const char *password)
{
    char lower[PASSWORD_MAX_BYTES + 1];
    size_t n;

    if (password == NULL)
        return false;
    n = strnlen(password, sizeof lower);
    if (n == sizeof lower)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = password[i];
        lower[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    lower[n] = '\0';
    return bsearch(lower, common, sizeof common / sizeof common[0], sizeof common[0], compare_entry) != NULL;
}
